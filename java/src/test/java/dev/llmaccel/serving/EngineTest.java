package dev.llmaccel.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.generation.ChatMessage;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.GenerationResult;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.generation.PromptTooLongException;
import dev.llmaccel.generation.StopReason;
import dev.llmaccel.grammar.Grammar;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What one request, or a few, get from the engine: results, streaming, endings, limits, failures. */
class EngineTest {
    @TempDir
    static Path dir;
    static Backend cpu;
    static TinyModel tiny;

    @BeforeAll
    static void open() throws Exception {
        cpu = Backends.cpu();
        tiny = TinyModel.random(dir, DType.F32, cpu);
    }

    @AfterAll
    static void close() {
        tiny.close();
        cpu.close();
    }

    private static GenerationOptions greedy(int tokens) {
        // no end token: random weights would end at a random step
        return GenerationOptions.greedy(tokens).withSampling(SamplingParams.greedy().withLogitBias(Map.of(2, Float.NEGATIVE_INFINITY)));
    }

    private static EngineConfig small() {
        return EngineConfig.defaults().withKvCacheTokens(1024).withBlockSize(4).withStepTokens(32).withContextSize(256);
    }

    /** Records a request's events in order. */
    static class Recorder implements TokenListener {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final StringBuilder text = new StringBuilder();
        final List<Integer> tokens = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch ended = new CountDownLatch(1);
        volatile String thread;

        @Override
        public void onToken(int token, String piece) {
            thread = Thread.currentThread().getName();
            events.add("token");
            if (token >= 0) {
                tokens.add(token);
            }
            synchronized (text) {
                text.append(piece);
            }
        }

        @Override
        public void onComplete(Completion completion) {
            events.add("complete");
            ended.countDown();
        }

        @Override
        public void onError(Throwable error) {
            events.add("error");
            ended.countDown();
        }
    }

    @Test
    void oneRequestGetsTheGeneratorsTokensAndStreamsThem() throws Exception {
        String prompt = "\u2581t200 \u2581t201";
        GenerationResult expected;
        try (LlamaSession session = tiny.model.newSession(256)) {
            expected = new Generator(session, tiny.tokenizer).generate(prompt, greedy(24), null);
        }
        try (Engine engine = tiny.engine(small())) {
            Recorder r = new Recorder();
            Completion c = engine.submit(CompletionRequest.ofText(prompt, greedy(24)), r).join();
            assertTrue(r.ended.await(10, TimeUnit.SECONDS));
            assertEquals(expected.text(), c.text(), "the engine continues as the generator does");
            assertEquals(StopReason.MAX_TOKENS, c.stopReason());
            assertEquals(24, c.tokens().length);
            assertEquals(new Usage(Generator.encodePrompt(tiny.tokenizer, prompt).length, 0, 24), c.usage());
            assertEquals(c.text(), r.text.toString(), "the streamed pieces add up to the text");
            assertEquals(toList(c.tokens()), r.tokens);
            assertEquals("complete", r.events.get(r.events.size() - 1));
            assertEquals(1, r.events.stream().filter(e -> e.equals("complete")).count());
            assertTrue(r.thread.startsWith("llmaccel-engine-callbacks"), "listeners run on the callback threads: " + r.thread);
            assertTrue(c.timeToFirstTokenNanos() > 0 && c.totalNanos() >= c.timeToFirstTokenNanos());
        }
    }

    @Test
    void grammarsHoldPerRequestInABatch() throws Exception {
        // half the requests under a grammar (any JSON, or a schema's), half free; all at once
        String schema = "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"},"
                + " \"tags\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}, \"required\": [\"id\", \"tags\"]}";
        List<int[]> prompts = new ArrayList<>();
        List<GenerationOptions> options = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            prompts.add(new int[] {1, 259 + i, 260, 261 + i % 3});  // pieces, not byte tokens: the JSON starts on its own
            GenerationOptions free = greedy(40);
            options.add(switch (i % 3) {
                case 0 -> free;
                case 1 -> GenerationOptions.sampled(40, 7 + i).withGrammar(Grammar.json());
                default -> GenerationOptions.greedy(40).withJsonSchema(schema);
            });
        }
        List<GenerationResult> alone = new ArrayList<>();
        try (LlamaSession session = tiny.model.newSession(256)) {
            Generator generator = new Generator(session, tiny.tokenizer);
            for (int i = 0; i < prompts.size(); i++) {
                alone.add(generator.generate(prompts.get(i), options.get(i), null));
            }
        }
        try (Engine engine = tiny.engine(small())) {
            List<RequestHandle> handles = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                handles.add(engine.submit(CompletionRequest.ofTokens(prompts.get(i), options.get(i))));
            }
            ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
            for (int i = 0; i < prompts.size(); i++) {
                Completion c = handles.get(i).join();
                assertEquals(alone.get(i).text(), c.text(), "request " + i + " as the generator gives it alone");
                assertEquals(alone.get(i).stopReason(), c.stopReason(), "request " + i);
                if (i % 3 != 0) {
                    JsonNode value = json.readTree(c.text());  // complete within the limit (the end token may not fit)
                    if (i % 3 == 2) {
                        assertTrue(value.get("id").isIntegralNumber() && value.get("tags").isArray(), c.text());
                    }
                }
            }
            assertEquals(0, engine.stats().failed());
        }
    }

    @Test
    void endingsAreStopReasons() throws Exception {
        try (Engine engine = tiny.engine(small())) {
            int[] prompt = {1, 200, 201, 202};
            Completion free = engine.submit(CompletionRequest.ofTokens(prompt, greedy(40))).join();
            // a stop string from the middle of the free continuation ends it there
            String stop = free.text().substring(10, 16);
            Completion stopped = engine.submit(CompletionRequest.ofTokens(prompt, greedy(40).withStopStrings(List.of(stop))))
                    .join();
            assertEquals(StopReason.STOP_STRING, stopped.stopReason());
            assertEquals(free.text().substring(0, free.text().indexOf(stop)), stopped.text());

            Completion none = engine.submit(CompletionRequest.ofTokens(prompt, greedy(0))).join();
            assertEquals(StopReason.MAX_TOKENS, none.stopReason());
            assertEquals(0, none.tokens().length);

            // the end token: make it the only choice after the prompt
            GenerationOptions endAtOnce = GenerationOptions.greedy(10).withSampling(SamplingParams.greedy()
                    .withLogitBias(Map.of(2, 1000f)));
            Completion ended = engine.submit(CompletionRequest.ofTokens(prompt, endAtOnce)).join();
            assertEquals(StopReason.END_OF_GENERATION, ended.stopReason());
            assertEquals(0, ended.tokens().length);
            assertEquals(0, ended.usage().completionTokens());

            // a prompt of 250 tokens in a context of 256: 6 tokens, then the context is full
            int[] longPrompt = new int[250];
            java.util.Arrays.fill(longPrompt, 200);
            Completion full = engine.submit(CompletionRequest.ofTokens(longPrompt, greedy(-1))).join();
            assertEquals(StopReason.CONTEXT_FULL, full.stopReason());
            assertEquals(7, full.tokens().length, "the last token is drawn but never run, as Generator does");
        }
    }

    @Test
    void messagesAreRenderedWithTheTemplate() throws Exception {
        try (Engine engine = tiny.engine(small())) {
            List<ChatMessage> chat = List.of(ChatMessage.system("be brief"), ChatMessage.user("hello"));
            int[] expected = Generator.encodePrompt(tiny.tokenizer, tiny.template.render(chat, true));
            assertArrayEquals(expected, engine.encode(CompletionRequest.ofMessages(chat, greedy(4))));
            Completion viaMessages = engine.submit(CompletionRequest.ofMessages(chat, greedy(8))).join();
            Completion viaTokens = engine.submit(CompletionRequest.ofTokens(expected, greedy(8))).join();
            assertArrayEquals(viaTokens.tokens(), viaMessages.tokens());
        }
        try (Engine noTemplate = Engine.start(tiny.model, tiny.tokenizer, null, small())) {
            assertThrows(IllegalArgumentException.class,
                    () -> noTemplate.submit(CompletionRequest.ofMessages(List.of(ChatMessage.user("hi")), greedy(4))));
        }
    }

    @Test
    void badRequestsAreRejectedOnTheCallersThread() throws Exception {
        try (Engine engine = tiny.engine(small())) {
            assertThrows(IllegalArgumentException.class, () -> engine.submit(CompletionRequest.ofTokens(new int[0], greedy(4))));
            assertThrows(IllegalArgumentException.class, () -> engine.submit(CompletionRequest.ofTokens(new int[] {1, 272}, greedy(4))));
            assertThrows(IllegalArgumentException.class, () -> engine.submit(CompletionRequest.ofTokens(new int[] {-1}, greedy(4))));
            PromptTooLongException tooLong = assertThrows(PromptTooLongException.class,
                    () -> engine.submit(CompletionRequest.ofTokens(new int[257], greedy(4))), "longer than the context");
            assertEquals(257, tooLong.promptTokens());
            assertEquals(engine.contextSize(), tooLong.contextSize());
            assertEquals(256, engine.contextSize());
            assertThrows(PromptTooLongException.class, () -> engine.encode(CompletionRequest.ofTokens(new int[257], greedy(4))));
            assertThrows(NullPointerException.class, () -> engine.submit(null));
            assertThrows(IllegalArgumentException.class, () -> new CompletionRequest(new int[] {1}, "x", null, greedy(1)));
            assertThrows(IllegalArgumentException.class, () -> small().withMaxQueuedRequests(0));
            assertThrows(IllegalArgumentException.class, () -> small().withStepTokens(4).withMaxRunningSequences(8)
                    .withStepTokens(4));
            assertThrows(IllegalArgumentException.class, () -> small().withKvCacheTokens(64).withContextSize(128));
            assertEquals(StopReason.MAX_TOKENS, engine.submit(CompletionRequest.ofTokens(new int[] {1}, greedy(3))).join()
                    .stopReason(), "the engine goes on after the rejections");
            assertEquals(0, engine.stats().failed());
        }
    }

    @Test
    void aCancelledRequestEndsCancelledAndGivesItsBlocksBack() throws Exception {
        try (Engine engine = tiny.engine(small())) {
            CountDownLatch started = new CountDownLatch(3);
            RequestHandle h = engine.submit(CompletionRequest.ofTokens(new int[] {1, 200}, greedy(-1)), new TokenListener() {
                @Override
                public void onToken(int token, String text) {
                    started.countDown();
                }
            });
            assertTrue(started.await(10, TimeUnit.SECONDS));
            h.cancel();
            Completion c = h.join();
            assertEquals(StopReason.CANCELLED, c.stopReason());
            assertTrue(c.tokens().length >= 3 && c.tokens().length < 250, c.tokens().length + " tokens");
            awaitIdle(engine);
            EngineStats s = engine.stats();
            assertEquals(s.blocksTotal(), s.blocksFree(), "every block is free again");
            assertEquals(1, s.cancelled());
            h.cancel();  // harmless once ended
        }
    }

    @Test
    void aFullQueueRejectsAndAClosedEngineRejects() throws Exception {
        Engine engine = tiny.engine(small().withMaxRunningSequences(1).withMaxQueuedRequests(2));
        CountDownLatch running = new CountDownLatch(1);
        RequestHandle first = engine.submit(CompletionRequest.ofTokens(new int[] {1}, greedy(-1)), new TokenListener() {
            @Override
            public void onToken(int token, String text) {
                running.countDown();
            }
        });
        assertTrue(running.await(10, TimeUnit.SECONDS));
        RequestHandle second = engine.submit(CompletionRequest.ofTokens(new int[] {1, 5}, greedy(5)));
        RequestHandle third = engine.submit(CompletionRequest.ofTokens(new int[] {1, 6}, greedy(5)));
        RequestRejectedException full = assertThrows(RequestRejectedException.class,
                () -> engine.submit(CompletionRequest.ofTokens(new int[] {1, 7}, greedy(5))));
        assertEquals(RequestRejectedException.Reason.QUEUE_FULL, full.reason());
        assertEquals(1, engine.stats().rejected());
        engine.close();
        for (RequestHandle h : List.of(first, second, third)) {
            assertEquals(StopReason.CANCELLED, h.join().stopReason(), "closing cancels what is pending");
        }
        RequestRejectedException closed = assertThrows(RequestRejectedException.class,
                () -> engine.submit(CompletionRequest.ofTokens(new int[] {1}, greedy(1))));
        assertEquals(RequestRejectedException.Reason.CLOSED, closed.reason());
        engine.close();  // idempotent
    }

    @Test
    void aListenerThatThrowsFailsOnlyItsOwnRequest() throws Exception {
        try (Engine engine = tiny.engine(small())) {
            Recorder failing = new Recorder() {
                @Override
                public void onToken(int token, String piece) {
                    super.onToken(token, piece);
                    if (tokens.size() == 3) {
                        throw new IllegalStateException("listener bug");
                    }
                }
            };
            RequestHandle bad = engine.submit(CompletionRequest.ofTokens(new int[] {1, 200}, greedy(50)), failing);
            List<RequestHandle> good = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                good.add(engine.submit(CompletionRequest.ofTokens(new int[] {1, 201 + i}, greedy(20))));
            }
            CompletionException e = assertThrows(CompletionException.class, bad::join);
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(failing.ended.await(10, TimeUnit.SECONDS));
            assertEquals("error", failing.events.get(failing.events.size() - 1));
            assertFalse(failing.events.contains("complete"));
            for (RequestHandle h : good) {
                assertEquals(StopReason.MAX_TOKENS, h.join().stopReason());
                assertEquals(20, h.join().tokens().length);
            }
            awaitIdle(engine);
            assertEquals(engine.stats().blocksTotal(), engine.stats().blocksFree());
        }
    }

    @Test
    void aRepeatedPromptIsServedFromThePrefixCache() throws Exception {
        int[] prompt = new int[40];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = 3 + (i * 7) % 260;
        }
        try (Engine engine = tiny.engine(small())) {
            Completion first = engine.submit(CompletionRequest.ofTokens(prompt, greedy(10))).join();
            Completion second = engine.submit(CompletionRequest.ofTokens(prompt, greedy(10))).join();
            assertEquals(0, first.usage().cachedPromptTokens());
            assertEquals(36, second.usage().cachedPromptTokens(), "the prompt's full blocks of 4 but the last token's");
            assertArrayEquals(first.tokens(), second.tokens());
            int[] longer = java.util.Arrays.copyOf(prompt, 45);
            System.arraycopy(first.tokens(), 0, longer, 40, 5);
            Completion nextTurn = engine.submit(CompletionRequest.ofTokens(longer, greedy(5))).join();
            assertEquals(44, nextTurn.usage().cachedPromptTokens(), "a conversation's next turn reuses its whole past");
            assertArrayEquals(java.util.Arrays.copyOfRange(first.tokens(), 5, 10), nextTurn.tokens());
            EngineStats s = engine.stats();
            assertEquals(80, s.cachedPromptTokens());
            assertTrue(s.blocksCached() > 0);
        }
        try (Engine noCache = tiny.engine(small().withPrefixCaching(false))) {
            noCache.submit(CompletionRequest.ofTokens(prompt, greedy(2))).join();
            assertEquals(0, noCache.submit(CompletionRequest.ofTokens(prompt, greedy(2))).join().usage().cachedPromptTokens());
        }
    }

    @Test
    void aPoolTooSmallForAllPreemptsAndStillGivesEveryoneTheirTokens() throws Exception {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int[] p = new int[10 + 3 * i];
            for (int j = 0; j < p.length; j++) {
                p[j] = 3 + (i * 31 + j * 5) % 260;
            }
            prompts.add(p);
        }
        List<int[]> alone = new ArrayList<>();
        try (Engine engine = tiny.engine(small())) {
            for (int[] p : prompts) {
                alone.add(engine.submit(CompletionRequest.ofTokens(p, greedy(30))).join().tokens());
            }
        }
        // 32 blocks of 4 = 128 slots; the six need up to 55 each. All six wait before the first step
        // (the scheduler driven on this thread), so the pool runs dry on every run.
        List<EngineExactnessTest.Job> jobs = prompts.stream().map(p -> new EngineExactnessTest.Job(p, greedy(30))).toList();
        EngineExactnessTest.Scheduled s = EngineExactnessTest.queuedAtOnce(tiny,
                small().withKvCacheTokens(128).withContextSize(128).withPrefixCaching(false), jobs);
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(alone.get(i), s.tokens(i), "request " + i);
        }
        assertTrue(s.preemptions() > 0, "the pool ran dry");
        assertTrue(s.completions().stream().anyMatch(c -> c.preemptions() > 0));
        assertEquals(s.blocksTotal(), s.blocksFree());
    }

    /** Waits until the engine has ended everything (its counters lag the futures by a moment). */
    static void awaitIdle(Engine engine) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            EngineStats s = engine.stats();
            if (s.running() == 0 && s.queued() == 0 && s.completed() + s.cancelled() + s.failed() == s.submitted()
                    && s.blocksFree() == s.blocksTotal()) {
                return;
            }
            Thread.sleep(10);
        }
        assertNotNull(null, "the engine did not become idle: " + engine.stats());
    }

    private static List<Integer> toList(int[] xs) {
        List<Integer> out = new ArrayList<>();
        for (int x : xs) {
            out.add(x);
        }
        return out;
    }
}
