package dev.llmaccel.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.model.llama.Llama2cWriter;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.LlamaSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generation loop on a tiny random-weight model and a 40-token test vocabulary. */
class GeneratorTest {
    private static final String PROMPT = "the cat";
    /** Never end on EOS, so that the other limits are what stops a generation. */
    private static final SamplingParams NO_EOS = SamplingParams.greedy().withLogitBias(Map.of(1, -1e30f));

    @TempDir
    static Path dir;
    static Backend backend;
    static LlamaModel model;
    static final TestTokenizer tokenizer = new TestTokenizer();

    @BeforeAll
    static void load() throws IOException {
        backend = Backends.cpu();
        Path file = Llama2cWriter.write(dir.resolve("tiny.bin"), 32, 48, 2, 4, 2, TestTokenizer.VOCAB, 64, true, 7);
        model = LlamaModel.fromLlama2c(file, backend);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationOptions options(int maxNewTokens) {
        return GenerationOptions.greedy(maxNewTokens).withSampling(NO_EOS);
    }

    /** The greedy text of n tokens from a fresh session. */
    private static String reference(int n) {
        try (LlamaSession s = model.newSession(64)) {
            return new Generator(s, tokenizer).generate(PROMPT, options(n), null).text();
        }
    }

    @Test
    void maxTokensAndStreamedPiecesMatchTheResult() {
        try (LlamaSession s = model.newSession(64)) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = new Generator(s, tokenizer).generate(PROMPT, options(9), streamed::append);
            assertEquals(StopReason.MAX_TOKENS, r.stopReason());
            assertEquals(9, r.generatedTokens());
            assertEquals(1 + tokenizer.encode(PROMPT).length, r.promptTokens());  // BOS + the text
            assertEquals(r.text(), streamed.toString());
            assertFalse(r.text().isEmpty());
            // the last sampled token is not run: the session holds the prompt and 8 generated tokens
            assertEquals(r.promptTokens() + 8, s.length());
        }
    }

    @Test
    void stopStringEndsBeforeIt() {
        String full = reference(24);
        assertTrue(full.length() >= 8, full);
        String stop = full.substring(4, 7);
        int at = full.indexOf(stop);
        try (LlamaSession s = model.newSession(64)) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = new Generator(s, tokenizer).generate(PROMPT,
                    options(24).withStopStrings(List.of("never appears", stop)), streamed::append);
            assertEquals(StopReason.STOP_STRING, r.stopReason());
            assertEquals(full.substring(0, at), r.text());
            assertEquals(r.text(), streamed.toString());
        }
    }

    @Test
    void contextFullIsAStopReason() {
        try (LlamaSession s = model.newSession(16)) {
            GenerationResult r = new Generator(s, tokenizer).generate(PROMPT, options(-1), null);
            assertEquals(StopReason.CONTEXT_FULL, r.stopReason());
            // every position filled, and one more token sampled from the last logits
            assertEquals(16, s.length());
            assertEquals(16 - r.promptTokens() + 1, r.generatedTokens());
        }
    }

    @Test
    void promptLongerThanTheContextIsRefusedUpFront() {
        try (LlamaSession s = model.newSession(4)) {
            Generator g = new Generator(s, tokenizer);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.generate(PROMPT, options(3), null));
            assertTrue(e.getMessage().contains("context holds 4"), e.getMessage());
            assertEquals(0, s.length());
            assertThrows(IllegalArgumentException.class, () -> g.generate(new int[0], options(3), null));
            assertThrows(IndexOutOfBoundsException.class, () -> g.generate(new int[] {0, 99}, options(3), null));
            // the generator is still usable afterwards
            assertEquals(StopReason.MAX_TOKENS, g.generate("a", options(1), null).stopReason());
        }
    }

    @Test
    void endOfGenerationTokenStops() {
        SamplingParams eosAlways = SamplingParams.greedy().withLogitBias(Map.of(1, 1e30f));
        try (LlamaSession s = model.newSession(64)) {
            GenerationResult r = new Generator(s, tokenizer).generate(PROMPT, options(10).withSampling(eosAlways), null);
            assertEquals(StopReason.END_OF_GENERATION, r.stopReason());
            assertEquals(0, r.generatedTokens());
            assertEquals("", r.text());
        }
    }

    @Test
    void cancelFromTheCallback() {
        try (LlamaSession s = model.newSession(64)) {
            Generator g = new Generator(s, tokenizer);
            List<String> pieces = new ArrayList<>();
            GenerationResult r = g.generate(PROMPT, options(30), p -> {
                pieces.add(p);
                if (pieces.size() == 3) {
                    g.cancel();
                }
            });
            assertEquals(StopReason.CANCELLED, r.stopReason());
            assertEquals(3, r.generatedTokens());
            assertEquals(String.join("", pieces), r.text());
        }
    }

    @Test
    void interruptCancels() {
        try (LlamaSession s = model.newSession(64)) {
            Thread.currentThread().interrupt();
            GenerationResult r;
            try {
                r = new Generator(s, tokenizer).generate(PROMPT, options(30), null);
            } finally {
                Thread.interrupted();
            }
            assertEquals(StopReason.CANCELLED, r.stopReason());
            assertEquals(0, r.generatedTokens());
        }
    }

    @Test
    void iteratorStreamsTheSameTextAndCloseCancels() {
        String full = reference(12);
        try (LlamaSession s = model.newSession(64)) {
            Generator g = new Generator(s, tokenizer);
            StringBuilder text = new StringBuilder();
            try (TokenStream stream = g.stream(PROMPT, options(12))) {
                stream.forEachRemaining(text::append);
                assertFalse(stream.hasNext());
                assertThrows(NoSuchElementException.class, stream::next);
                assertEquals(StopReason.MAX_TOKENS, stream.result().stopReason());
            }
            assertEquals(full, text.toString());

            TokenStream early = g.stream(PROMPT, options(12));
            assertTrue(early.hasNext());
            early.next();
            assertThrows(IllegalStateException.class, () -> g.generate(PROMPT, options(1), null));
            early.close();
            assertEquals(StopReason.CANCELLED, early.result().stopReason());
            assertEquals(1, early.result().generatedTokens());
            assertEquals(StopReason.MAX_TOKENS, g.generate(PROMPT, options(2), null).stopReason());
        }
    }

    @Test
    void aPromptThatExtendsTheLastReusesTheSession() {
        String first = reference(6);
        try (LlamaSession s = model.newSession(64)) {
            Generator g = new Generator(s, tokenizer);
            GenerationResult r1 = g.generate(PROMPT, options(6), null);
            assertEquals(0, r1.reusedPromptTokens());
            assertEquals(first, r1.text());
            // continue the conversation: prompt + reply + more text
            String next = PROMPT + r1.text() + " and";
            GenerationResult r2 = g.generate(next, options(6), null);
            assertTrue(r2.reusedPromptTokens() >= r1.promptTokens(), r2.toString());
            try (LlamaSession fresh = model.newSession(64)) {
                assertEquals(new Generator(fresh, tokenizer).generate(next, options(6), null).text(), r2.text());
            }
        }
    }

    @Test
    void seededSamplingRepeats() {
        GenerationOptions sampled = GenerationOptions.sampled(16, 1234)
                .withSampling(SamplingParams.ofTemperature(20f).withLogitBias(Map.of(1, -1e30f)));
        String a;
        String b;
        String c;
        try (LlamaSession s = model.newSession(64)) {
            Generator g = new Generator(s, tokenizer);
            a = g.generate(PROMPT, sampled, null).text();
            b = g.generate(PROMPT, sampled, null).text();
            c = g.generate(PROMPT, sampled.withSeed(99), null).text();
        }
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void paddingRowsBeyondTheVocabularyAreNeverSampled() throws IOException {
        // 48 embedding rows for a 40-token vocabulary; even a huge bias cannot pick a row without text
        Path file = Llama2cWriter.write(dir.resolve("padded.bin"), 32, 48, 2, 4, 2, 48, 64, true, 8);
        try (LlamaModel padded = LlamaModel.fromLlama2c(file, backend); LlamaSession s = padded.newSession(64)) {
            GenerationOptions o = options(5).withSampling(NO_EOS.withLogitBias(Map.of(1, -1e30f, 45, 1e30f)));
            GenerationResult r = new Generator(s, tokenizer).generate(PROMPT, o, null);
            assertEquals(StopReason.MAX_TOKENS, r.stopReason());
            assertEquals(5, r.generatedTokens());
        }
    }

    @Test
    void badArguments() {
        try (LlamaSession s = model.newSession(8)) {
            Generator g = new Generator(s, tokenizer);
            assertThrows(NullPointerException.class, () -> g.generate((String) null, options(1), null));
            assertThrows(NullPointerException.class, () -> g.generate(PROMPT, null, null));
            assertThrows(NullPointerException.class, () -> new Generator(null, tokenizer));
            assertThrows(IllegalArgumentException.class, () -> options(-2));
            assertThrows(IllegalArgumentException.class, () -> options(1).withStopStrings(List.of("")));
            assertThrows(IllegalArgumentException.class, () -> options(1).withPenaltyWindow(-1));
        }
    }
}
