package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.GenerationResult;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.langchain4j.LlmaccelEmbeddingModel;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tokenizer.Tokenizers;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.TokenStream;
import dev.llmaccel.langchain4j.LlmaccelChatModel;
import dev.llmaccel.langchain4j.LlmaccelStreamingChatModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user of the three artifacts does first; each call here failed in a consumer's build once. */
class ConsumerTest {
    @TempDir
    Path dir;

    @Test
    void embedsASentenceWithTheDefaultModel() throws Exception {
        try (Embedder embedder = Embedder.load()) {
            float[] cat = embedder.embed("A cat sits on the mat.");
            assertEquals(384, cat.length);
            assertEquals(1.0, norm(cat), 1e-4);
            double close = dot(cat, embedder.embed("A kitten is lying on a rug."));
            double far = dot(cat, embedder.embed("The central bank raised interest rates."));
            assertTrue(close > far + 0.2, "cat/kitten " + close + " vs cat/bank " + far);
        }
    }

    @Test
    void runsTheLangChain4jEmbeddingModel() throws Exception {
        try (LlmaccelEmbeddingModel model = new LlmaccelEmbeddingModel()) {
            EmbeddingModel asLangChain4j = model;
            Embedding e = asLangChain4j.embed("A cat sits on the mat.").content();
            assertEquals(384, e.dimension());
            assertEquals(1.0, norm(e.vector()), 1e-4);
        }
    }

    @Test
    void loadsAGgufAndGenerates() throws Exception {
        Path gguf = dir.resolve("tiny.gguf");
        LlamaConfig config = new LlamaConfig("llama", 64, 96, 2, 4, 2, 16, 300, 256, 1e-5f,
                RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true);
        RandomLlamaModel.write(gguf, config, DType.Q8_0, 7);
        GenerationResult r = generate(gguf, "Hello", 12);
        assertEquals(12, r.generatedTokens(), r.toString());
    }

    @Test
    void generatesTheReferenceTextWithTheSharedModel() throws Exception {
        Path gguf = Path.of(System.getProperty("consumer.shared"), "models/aidreams260K/aidreams260K.gguf");
        Assumptions.assumeTrue(Files.exists(gguf), () -> "skipped: " + gguf + " is not present (../shared is optional)");
        GenerationResult r = generate(gguf, "Once upon a time", 30);
        assertTrue(r.text().startsWith(", pixels unfolding like petals."), r.text());
    }

    interface Assistant {
        String chat(@MemoryId int user, @dev.langchain4j.service.UserMessage String message);
    }

    interface StreamingAssistant {
        TokenStream chat(@MemoryId int user, @dev.langchain4j.service.UserMessage String message);
    }

    @Test
    void chatsThroughAiServicesOnEightThreads() throws Exception {
        Path gguf = dir.resolve("chat.gguf");
        LlamaConfig config = new LlamaConfig("llama", 64, 96, 2, 4, 2, 16, 400, 1024, 1e-5f,
                RopeParams.of(RopeStyle.NORMAL, 10000), false, false, false);
        RandomLlamaModel.write(gguf, config, DType.Q8_0, 5);
        ChatRequestParameters replies = ChatRequestParameters.builder().maxOutputTokens(8).build();
        try (Backend cpu = Backends.cpu();
             LlmaccelChatModel chat = LlmaccelChatModel.builder().modelPath(gguf).backend(cpu).contextSize(512)
                     .kvCacheTokens(4096).maxConcurrentRequests(8).defaultRequestParameters(replies).build();
             LlmaccelStreamingChatModel streaming = LlmaccelStreamingChatModel.builder().engine(chat.engine())
                     .defaultRequestParameters(replies).build()) {
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(chat)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10)).build();
            StreamingAssistant streamer = AiServices.builder(StreamingAssistant.class).streamingChatModel(streaming)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10)).build();
            List<String> alone = new ArrayList<>();
            for (int user = 0; user < 8; user++) {
                alone.add(assistant.chat(user, "hello from user " + user));
            }
            ExecutorService threads = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> together = new ArrayList<>();
                for (int user = 0; user < 8; user++) {
                    int u = user;
                    together.add(threads.submit(() -> {
                        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
                        StringBuilder pieces = new StringBuilder();
                        streamer.chat(u, "hello from user " + u).onPartialResponse(pieces::append)
                                .onCompleteResponse(done::complete).onError(done::completeExceptionally).start();
                        String text = done.get(60, TimeUnit.SECONDS).aiMessage().text();
                        assertEquals(text, pieces.toString(), "the pieces add up to the reply");
                        return text;
                    }));
                }
                for (int user = 0; user < 8; user++) {
                    assertEquals(alone.get(user), together.get(user).get(60, TimeUnit.SECONDS), "user " + user);
                }
            } finally {
                threads.shutdown();
            }
        }
    }

    @Test
    void jacksonIsOneVersion() throws Exception {
        String core = com.fasterxml.jackson.core.json.PackageVersion.VERSION.toString();
        String databind = com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString();
        assertEquals(core, databind);
        // what failed before: databind on a jackson-core that lacks StreamConstraintsException
        assertEquals(Map.of("a", 1), new ObjectMapper().readValue("{\"a\":1}", Map.class));
    }

    private static GenerationResult generate(Path gguf, String prompt, int tokens) throws Exception {
        try (Backend backend = Backends.best();
             GgufFile file = GgufFile.open(gguf);
             LlamaModel model = LlamaModel.fromGguf(file, backend);
             LlamaSession session = model.newSession(128)) {
            return new Generator(session, Tokenizers.fromGguf(file)).generate(prompt, GenerationOptions.greedy(tokens), null);
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static double norm(float[] v) {
        return Math.sqrt(dot(v, v));
    }
}
