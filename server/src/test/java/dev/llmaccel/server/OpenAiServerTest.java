package dev.llmaccel.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.ChatMessage;
import dev.llmaccel.generation.ChatTemplate;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.serving.CompletionRequest;
import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.EngineConfig;
import dev.llmaccel.serving.EngineStats;
import dev.llmaccel.serving.RequestHandle;
import dev.llmaccel.serving.TokenListener;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server through clients we did not write (LangChain4j's OpenAI models, the JDK's HTTP
 * client): greedy answers equal the in-process engine's, streams follow OpenAI's event format,
 * every error has its status and OpenAI's shape, and a client that hangs up mid-stream gets its
 * request cancelled and its cache blocks back.
 */
class OpenAiServerTest {
    /** 2 layers of 64, a 400-token vocabulary, 1024 positions: replies of hundreds of tokens in a second or so. */
    private static final LlamaConfig SHAPE = new LlamaConfig("llama", 64, 96, 2, 4, 2, 16, 400, 1024, 1e-5f,
            RopeParams.of(RopeStyle.NORMAL, 10000), false, false, false);
    private static final String KEY = "test-key";
    private static final String MODEL = "tiny";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Backend cpu;
    static GgufFile gguf;
    static LlamaModel model;
    static Tokenizer tokenizer;
    static ChatTemplate template;
    static Engine engine;
    static Embedder embedder;
    static OpenAiServer server;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        RandomLlamaModel.write(file, SHAPE, DType.Q8_0, 5);
        cpu = Backends.cpu();
        gguf = GgufFile.open(file);
        tokenizer = Tokenizers.fromGguf(gguf);
        template = ChatTemplate.fromGguf(gguf, tokenizer);
        model = LlamaModel.fromGguf(gguf, cpu);
        engine = Engine.start(model, tokenizer, template, EngineConfig.defaults().withContextSize(1024));
        embedder = Embedder.load();
        server = OpenAiServer.start(engine, MODEL, embedder, ServerOptions.defaults().withPort(0).withApiKey(KEY)
                .withMaxBodyBytes(64 << 10), System.err::println);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (embedder != null) {
            embedder.close();
        }
        if (model != null) {
            model.close();
        }
        if (gguf != null) {
            gguf.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    /** The in-process engine's greedy reply to one user message. */
    private static String alone(String user, int maxTokens) {
        return engine.submit(CompletionRequest.ofMessages(List.of(ChatMessage.user(user)), GenerationOptions.greedy(maxTokens)))
                .join().text();
    }

    private static OpenAiChatModel chatModel(int maxTokens) {
        return OpenAiChatModel.builder().baseUrl(server.baseUri().toString()).apiKey(KEY).modelName(MODEL)
                .temperature(0.0).maxTokens(maxTokens).build();
    }

    @Test
    void openAiChatModelGetsTheEnginesGreedyAnswer() {
        ChatResponse r = chatModel(12).chat(dev.langchain4j.data.message.UserMessage.from("hello there"));
        assertEquals(alone("hello there", 12), r.aiMessage().text());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals(12, r.tokenUsage().outputTokenCount());
        assertTrue(r.tokenUsage().inputTokenCount() > 0);
    }

    @Test
    void openAiStreamingChatModelStreamsTheSameAnswer() throws Exception {
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(server.baseUri().toString())
                .apiKey(KEY).modelName(MODEL).temperature(0.0).maxTokens(20).build();
        StringBuilder pieces = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat("what is two plus two", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                pieces.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        String expected = alone("what is two plus two", 20);
        assertEquals(expected, pieces.toString());
        assertEquals(expected, r.aiMessage().text());
        assertEquals(FinishReason.LENGTH, r.finishReason());
    }

    @Test
    void eightConcurrentClientsEachGetTheirAnswerAlone() throws Exception {
        int clients = 8;
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            expected.add(alone("question number " + i, 16));
        }
        OpenAiChatModel client = chatModel(16);
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int n = i;
                answers.add(threads.submit(() -> client.chat("question number " + n)));
            }
            for (int i = 0; i < clients; i++) {
                assertEquals(expected.get(i), answers.get(i).get(60, TimeUnit.SECONDS), "client " + i);
            }
        } finally {
            threads.shutdown();
        }
    }

    @Test
    void openAiEmbeddingModelGetsTheEmbeddersVectors() throws Exception {
        OpenAiEmbeddingModel client = OpenAiEmbeddingModel.builder().baseUrl(server.baseUri().toString()).apiKey(KEY)
                .modelName(embedder.modelName()).build();
        List<Embedding> vectors = client.embedAll(List.of(TextSegment.from("a cat sat"), TextSegment.from("on the mat")))
                .content();
        assertArrayEquals(embedder.embed("a cat sat"), vectors.get(0).vector());
        assertArrayEquals(embedder.embed("on the mat"), vectors.get(1).vector());

        JsonNode b64 = ok(post("/v1/embeddings", "{\"input\":\"a cat sat\",\"encoding_format\":\"base64\"}"));
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b64.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(decoded);
        assertArrayEquals(embedder.embed("a cat sat"), decoded);
        assertTrue(b64.at("/usage/prompt_tokens").asInt() > 0);
    }

    @Test
    void textCompletionsMatchTheEngine() throws Exception {
        String expected = engine.submit(CompletionRequest.ofText("Once upon a time", GenerationOptions.greedy(10))).join()
                .text();
        JsonNode r = ok(post("/v1/completions",
                "{\"model\":\"tiny\",\"prompt\":\"Once upon a time\",\"max_tokens\":10,\"temperature\":0}"));
        assertEquals("text_completion", r.get("object").asText());
        assertEquals(expected, r.at("/choices/0/text").asText());
        assertEquals("length", r.at("/choices/0/finish_reason").asText());
        assertEquals(10, r.at("/usage/completion_tokens").asInt());

        List<JsonNode> chunks = events(post("/v1/completions",
                "{\"prompt\":\"Once upon a time\",\"max_tokens\":10,\"temperature\":0,\"stream\":true}"));
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            text.append(c.at("/choices/0/text").asText());
        }
        assertEquals(expected, text.toString());
        assertEquals("length", chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText());
    }

    @Test
    void aStreamHasTheRoleFirstTheFinishReasonLastThenUsageAndDone() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"hi\"}]}],\"max_tokens\":8,\"temperature\":0,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"some_future_field\":{\"x\":1}}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.body().stripTrailing().endsWith("data: [DONE]"), r.body());
        List<JsonNode> chunks = events(r);
        assertEquals("assistant", chunks.get(0).at("/choices/0/delta/role").asText());
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertEquals(0, usage.get("choices").size());
        assertEquals(8, usage.at("/usage/completion_tokens").asInt());
        JsonNode last = chunks.get(chunks.size() - 2);
        assertEquals("length", last.at("/choices/0/finish_reason").asText());
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks.subList(0, chunks.size() - 2)) {
            assertTrue(c.at("/choices/0/finish_reason").isNull());
            assertTrue(c.get("usage").isNull());
            text.append(c.at("/choices/0/delta/content").asText());
        }
        assertEquals(alone("hi", 8), text.toString());
    }

    @Test
    void jsonResponseFormatsGiveJson() throws Exception {
        JsonNode any = ok(post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"json\"}],"
                + "\"max_tokens\":40,\"seed\":3,\"response_format\":{\"type\":\"json_object\"}}"));
        JSON.readTree(any.at("/choices/0/message/content").asText());  // throws unless it is JSON
        JsonNode schema = ok(post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"json\"}],"
                + "\"max_tokens\":60,\"seed\":4,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\","
                + "\"schema\":{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"]}}}}"));
        JsonNode doc = JSON.readTree(schema.at("/choices/0/message/content").asText());
        assertTrue(doc.get("ok").isBoolean(), doc.toString());
    }

    @Test
    void everyClientMistakeHasItsStatusInOpenAisShape() throws Exception {
        String hi = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        error(400, null, post("/v1/chat/completions", "{not json"));
        error(400, null, post("/v1/chat/completions", "[1,2]"));
        error(400, "messages", post("/v1/chat/completions", "{\"messages\":\"hi\"}"));
        error(400, "temperature", post("/v1/chat/completions", "{" + hi + ",\"temperature\":\"hot\"}"));
        error(400, "max_tokens", post("/v1/chat/completions", "{" + hi + ",\"max_tokens\":-3}"));
        error(400, "n", post("/v1/chat/completions", "{" + hi + ",\"n\":2}"));
        error(400, "stop", post("/v1/chat/completions", "{" + hi + ",\"stop\":[1]}"));
        error(400, "logit_bias", post("/v1/chat/completions", "{" + hi + ",\"logit_bias\":{\"x\":1}}"));
        error(400, "messages[0].role", post("/v1/chat/completions", "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}"));
        error(400, "response_format.json_schema.schema", post("/v1/chat/completions", "{" + hi
                + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\"}}}"));
        String longPrompt = "word ".repeat(3000);
        JsonNode tooLong = error(400, "messages", post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt + "\"}]}"));
        assertEquals("context_length_exceeded", tooLong.at("/error/code").asText());
        error(413, null, post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(70 << 10) + "\"}]}"));
        error(404, null, post("/v1/chat/completions", "{\"model\":\"gpt-4\"," + hi + "}"));
        error(404, null, post("/v1/nothing", "{}"));
        error(404, null, send(HttpRequest.newBuilder(uri("/v1/models/gpt-4")).header("Authorization", "Bearer " + KEY)
                .GET()));
        error(405, null, send(HttpRequest.newBuilder(uri("/v1/chat/completions")).header("Authorization", "Bearer " + KEY)
                .GET()));
        error(401, null, send(HttpRequest.newBuilder(uri("/v1/models")).GET()));
        error(401, null, send(HttpRequest.newBuilder(uri("/v1/models")).header("Authorization", "Bearer wrong").GET()));
        error(400, "input", post("/v1/embeddings", "{\"input\":[1,2]}"));
        error(400, "encoding_format", post("/v1/embeddings", "{\"input\":\"x\",\"encoding_format\":\"int8\"}"));
        assertEquals(0, engine.stats().failed());
    }

    @Test
    void modelsHealthAndMetrics() throws Exception {
        JsonNode models = ok(send(HttpRequest.newBuilder(uri("/v1/models")).header("Authorization", "Bearer " + KEY).GET()));
        assertEquals(MODEL, models.at("/data/0/id").asText());
        assertEquals(embedder.modelName(), models.at("/data/1/id").asText());
        assertEquals("ok", ok(send(HttpRequest.newBuilder(uri("/health")).GET())).get("status").asText());
        ok(post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}],\"max_tokens\":3}"));
        HttpResponse<String> metrics = send(HttpRequest.newBuilder(uri("/metrics")).GET());
        assertEquals(200, metrics.statusCode());
        String text = metrics.body();
        assertTrue(text.contains("llmaccel_http_requests_total{route=\"/v1/chat/completions\",status=\"200\"}"), text);
        assertTrue(text.contains("llmaccel_generated_tokens_total "), text);
        assertTrue(text.contains("llmaccel_queued_requests "), text);
        assertTrue(text.contains("llmaccel_kv_blocks_used "), text);
    }

    @Test
    void aClientThatHangsUpMidStreamHasItsRequestCancelledAndItsBlocksFreed() throws Exception {
        long cancelledBefore = engine.stats().cancelled();
        // no token limit: ~1000 tokens of context to fill, far longer than reading one chunk
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"go on\"}],"
                        + "\"stream\":true,\"temperature\":0}")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        String first = in.readLine();
        assertTrue(first.startsWith("data: "), first);
        in.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        EngineStats s = engine.stats();
        while ((s.running() > 0 || s.cancelled() == cancelledBefore) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            s = engine.stats();
        }
        assertEquals(cancelledBefore + 1, s.cancelled(), "the request was cancelled, not run to its end");
        assertEquals(0, s.running());
        assertEquals(s.blocksTotal(), s.blocksFree(), "every block is back in the pool");
    }

    @Test
    void aFullQueueIs429AndAClosedEngineIs503() throws Exception {
        EngineConfig tiny = EngineConfig.defaults().withMaxRunningSequences(1).withMaxQueuedRequests(1).withContextSize(1024);
        Engine small = Engine.start(model, tokenizer, template, tiny);
        try (OpenAiServer s = OpenAiServer.start(small, MODEL, null, ServerOptions.defaults().withPort(0), null)) {
            URI chat = URI.create("http://127.0.0.1:" + s.port() + "/v1/chat/completions");
            HttpRequest request = HttpRequest.newBuilder(chat).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":2}")).build();
            int status = 0;
            for (int attempt = 0; attempt < 20 && status != 429; attempt++) {
                // one request running (it has a token), one waiting behind it: the queue of one is full
                CountDownLatch running = new CountDownLatch(1);
                RequestHandle a = small.submit(CompletionRequest.ofText("a", GenerationOptions.greedy(-1)), new TokenListener() {
                    @Override
                    public void onToken(int token, String text) {
                        running.countDown();
                    }
                });
                assertTrue(running.await(60, TimeUnit.SECONDS));
                RequestHandle b = small.submit(CompletionRequest.ofText("b", GenerationOptions.greedy(4)));
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                boolean stillFull = !a.isDone();
                a.cancel();
                b.join();
                a.join();
                if (stillFull) {
                    status = r.statusCode();
                    assertEquals(429, status, r.body());
                    assertEquals("rate_limit_exceeded", JSON.readTree(r.body()).at("/error/type").asText());
                }
            }
            assertEquals(429, status, "the running request always ended before the HTTP one arrived");
            small.close();
            error(503, null, http.send(request, HttpResponse.BodyHandlers.ofString()));
        } finally {
            small.close();
        }
    }

    @Test
    void closingLetsARunningStreamFinish() throws Exception {
        OpenAiServer s = OpenAiServer.start(engine, MODEL, null, ServerOptions.defaults().withPort(0), null);
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
                + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\","
                + "\"content\":\"drain me\"}],\"max_tokens\":600,\"temperature\":0,\"stream\":true}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        assertTrue(in.readLine().startsWith("data: "));
        Thread closer = new Thread(s::close);
        closer.start();
        String finish = null;
        String last = null;
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("data: {") && !JSON.readTree(line.substring(6)).at("/choices/0/finish_reason").isNull()) {
                finish = JSON.readTree(line.substring(6)).at("/choices/0/finish_reason").asText();
            }
            last = line.isEmpty() ? last : line;
        }
        closer.join();
        assertEquals("length", finish, "the stream ran to its token limit");
        assertEquals("data: [DONE]", last);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** Checks the status and OpenAI's error object (message, type, param, code). */
    private static JsonNode error(int status, String param, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertNotNull(e, r.body());
        assertFalse(e.get("message").asText().isEmpty());
        assertFalse(e.get("type").asText().isEmpty());
        assertTrue(e.has("param") && e.has("code"), r.body());
        if (param != null) {
            assertEquals(param, e.get("param").asText(), r.body());
        }
        return JSON.readTree(r.body());
    }

    /** The JSON chunks of a server-sent event stream, up to data: [DONE]. */
    private static List<JsonNode> events(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> chunks = new ArrayList<>();
        boolean done = false;
        for (String line : r.body().split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            assertFalse(done, "nothing after [DONE]");
            assertTrue(line.startsWith("data: "), line);
            if (line.equals("data: [DONE]")) {
                done = true;
            } else {
                chunks.add(JSON.readTree(line.substring(6)));
            }
        }
        assertTrue(done, "the stream ends with data: [DONE]");
        return chunks;
    }
}
