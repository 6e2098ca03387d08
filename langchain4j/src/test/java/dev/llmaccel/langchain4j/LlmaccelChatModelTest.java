package dev.llmaccel.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.TokenStream;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.serving.EngineConfig;
import dev.llmaccel.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chat models through LangChain4j's own AI Services (chat memory per user, many threads on one
 * instance), their parameters, streaming, cancellation and the requests they refuse.
 */
class LlmaccelChatModelTest {
    private static final LlamaConfig SHAPE = new LlamaConfig("llama", 64, 96, 2, 4, 2, 16, 400, 1024, 1e-5f,
            RopeParams.of(RopeStyle.NORMAL, 10000), false, false, false);
    private static final int THREADS = 8;
    private static final String[] TURNS = {"hello there", "what is two plus two", "thanks, bye"};

    @TempDir
    static Path dir;
    static Path gguf;
    static Backend cpu;

    @BeforeAll
    static void model() throws Exception {
        gguf = dir.resolve("chat.gguf");
        RandomLlamaModel.write(gguf, SHAPE, DType.Q8_0, 5);
        cpu = Backends.cpu();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static ChatRequestParameters replies(int tokens) {
        return ChatRequestParameters.builder().maxOutputTokens(tokens).build();
    }

    private static LlmaccelChatModel chatModel() {
        return LlmaccelChatModel.builder().modelPath(gguf).backend(cpu).contextSize(1024).kvCacheTokens(8192)
                .maxConcurrentRequests(THREADS).defaultRequestParameters(replies(12)).build();
    }

    interface Assistant {
        String chat(@MemoryId int user, @dev.langchain4j.service.UserMessage String message);
    }

    interface StreamingAssistant {
        TokenStream chat(@MemoryId int user, @dev.langchain4j.service.UserMessage String message);
    }

    /** Each user's three turns, with their own memory. */
    private static List<String> conversation(Assistant assistant, int user) {
        List<String> replies = new ArrayList<>();
        for (String turn : TURNS) {
            replies.add(assistant.chat(user, turn + " (from user " + user + ")"));
        }
        return replies;
    }

    @Test
    void eightThreadsThroughAiServicesEachGetTheirAnswerAlone() throws Exception {
        try (LlmaccelChatModel model = chatModel()) {
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(model)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10)).build();
            List<List<String>> alone = new ArrayList<>();
            for (int user = 0; user < THREADS; user++) {
                alone.add(conversation(assistant, user));
            }
            // the same conversations again, all at once, under fresh memory ids
            Assistant fresh = AiServices.builder(Assistant.class).chatModel(model)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10)).build();
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<List<String>>> together = new ArrayList<>();
                for (int user = 0; user < THREADS; user++) {
                    int u = user;
                    together.add(threads.submit(() -> conversation(fresh, u)));
                }
                for (int user = 0; user < THREADS; user++) {
                    assertEquals(alone.get(user), together.get(user).get(60, TimeUnit.SECONDS), "user " + user);
                }
            } finally {
                threads.shutdown();
            }
            assertTrue(alone.stream().flatMap(List::stream).anyMatch(s -> !s.isEmpty()), "the model said something");
            assertTrue(model.engine().stats().cachedPromptTokens() > 0, "later turns reuse the earlier ones' cache");
        }
    }

    @Test
    void streamingThroughAiServicesGivesTheSameReplies() throws Exception {
        try (LlmaccelChatModel chat = chatModel();
             LlmaccelStreamingChatModel streaming = LlmaccelStreamingChatModel.builder().engine(chat.engine())
                     .modelName(chat.defaultRequestParameters().modelName()).defaultRequestParameters(replies(12)).build()) {
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(chat)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10)).build();
            StreamingAssistant streamer = AiServices.builder(StreamingAssistant.class).streamingChatModel(streaming)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10)).build();
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<String>>> streamed = new ArrayList<>();
                for (int user = 0; user < 4; user++) {
                    int u = user;
                    streamed.add(threads.submit(() -> {
                        List<String> replies = new ArrayList<>();
                        for (String turn : TURNS) {
                            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
                            StringBuilder pieces = new StringBuilder();
                            streamer.chat(u, turn + " (from user " + u + ")").onPartialResponse(pieces::append)
                                    .onCompleteResponse(done::complete).onError(done::completeExceptionally).start();
                            String text = done.get(60, TimeUnit.SECONDS).aiMessage().text();
                            assertEquals(text, pieces.toString(), "the pieces add up to the reply");
                            replies.add(text);
                        }
                        return replies;
                    }));
                }
                for (int user = 0; user < 4; user++) {
                    assertEquals(conversation(assistant, user), streamed.get(user).get(60, TimeUnit.SECONDS), "user " + user);
                }
            } finally {
                threads.shutdown();
            }
        }
    }

    @Test
    void requestParametersAreHonoured() {
        try (LlmaccelChatModel model = chatModel()) {
            ChatResponse five = model.chat(ChatRequest.builder().messages(UserMessage.from("count"))
                    .parameters(replies(5)).build());
            assertEquals(FinishReason.LENGTH, five.finishReason());
            assertEquals(5, five.tokenUsage().outputTokenCount());
            assertTrue(five.tokenUsage().inputTokenCount() > 0);
            ChatResponse longer = model.chat(ChatRequest.builder().messages(UserMessage.from("count"))
                    .parameters(replies(20)).build());
            String text = longer.aiMessage().text();
            if (longer.finishReason() == FinishReason.LENGTH && text.length() > 12) {
                String stop = text.substring(6, 10);
                ChatResponse stopped = model.chat(ChatRequest.builder().messages(UserMessage.from("count"))
                        .parameters(ChatRequestParameters.builder().maxOutputTokens(20).stopSequences(stop).build()).build());
                assertEquals(FinishReason.STOP, stopped.finishReason());
                assertEquals(text.substring(0, text.indexOf(stop)), stopped.aiMessage().text());
            }
            // sampling parameters reach the sampler: a high temperature with different seeds varies the reply
            List<String> sampled = new ArrayList<>();
            for (long seed = 0; seed < 4; seed++) {
                try (LlmaccelChatModel seeded = LlmaccelChatModel.builder().engine(model.engine()).seed(seed)
                        .modelName(model.defaultRequestParameters().modelName()).build()) {
                    sampled.add(seeded.chat(ChatRequest.builder().messages(UserMessage.from("count")).parameters(
                            ChatRequestParameters.builder().temperature(2.0).topP(1.0).topK(0).maxOutputTokens(8)
                                    .frequencyPenalty(0.5).presencePenalty(0.5).build()).build()).aiMessage().text());
                }
            }
            assertTrue(sampled.stream().distinct().count() > 1, "seeded samples differ: " + sampled);
            assertThrows(IllegalArgumentException.class, () -> model.chat(ChatRequest.builder()
                    .messages(UserMessage.from("x")).parameters(ChatRequestParameters.builder().topP(1.5).build()).build()));
        }
    }

    @Test
    void whatCannotBeHonouredIsRefused() {
        try (LlmaccelChatModel model = chatModel()) {
            ToolSpecification tool = ToolSpecification.builder().name("weather").description("the weather").build();
            assertThrows(UnsupportedFeatureException.class, () -> model.chat(ChatRequest.builder()
                    .messages(UserMessage.from("x")).toolSpecifications(tool).build()));
            assertThrows(UnsupportedFeatureException.class, () -> model.chat(ChatRequest.builder()
                    .messages(UserMessage.from("x")).responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON)
                            .jsonSchema(JsonSchema.builder().name("unique").rootElement(
                                    JsonRawSchema.from("{\"type\": \"array\", \"uniqueItems\": true}")).build()).build())
                    .build()), "a schema keyword the grammar cannot express");
            assertThrows(UnsupportedFeatureException.class, () -> model.chat(ChatRequest.builder()
                    .messages(UserMessage.from(TextContent.from("look"), ImageContent.from("https://example.com/a.png"))).build()));
            assertThrows(UnsupportedFeatureException.class, () -> model.chat(ChatRequest.builder()
                    .messages(UserMessage.from("x"), ToolExecutionResultMessage.from("1", "weather", "sunny")).build()));
            assertThrows(UnsupportedFeatureException.class, () -> model.chat(ChatRequest.builder()
                    .messages(UserMessage.from("x")).modelName("gpt-4o").build()));
            // what it takes: system, user and assistant text
            ChatResponse ok = model.chat(ChatRequest.builder().messages(SystemMessage.from("be brief"),
                    UserMessage.from("hi"), dev.langchain4j.data.message.AiMessage.from("hello"), UserMessage.from("bye"))
                    .build());
            assertEquals(FinishReason.LENGTH, ok.finishReason());
            assertEquals(0, model.engine().stats().failed());
        }
    }

    /** What AI Services asks a JSON-schema model for when a method returns a record (every field required). */
    record Forecast(@JsonProperty(required = true) String city, @JsonProperty(required = true) boolean sunny,
            @JsonProperty(required = true) List<String> hints) {}

    interface Forecaster {
        Forecast forecast(@MemoryId int user, @dev.langchain4j.service.UserMessage String message);
    }

    @Test
    void aiServicesGetRecordsThroughTheSchemasGrammarOnEightThreads() throws Exception {
        try (LlmaccelChatModel model = LlmaccelChatModel.builder().modelPath(gguf).backend(cpu).contextSize(1024)
                .kvCacheTokens(8192).maxConcurrentRequests(THREADS).defaultRequestParameters(replies(96))
.build()) {
            assertTrue(model.supportedCapabilities().contains(Capability.RESPONSE_FORMAT_JSON_SCHEMA));
            Forecaster forecaster = AiServices.builder(Forecaster.class).chatModel(model)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10)).build();
            List<Forecast> alone = new ArrayList<>();
            for (int user = 0; user < THREADS; user++) {
                alone.add(forecaster.forecast(user, "the weather in town " + user));  // parsed by AI Services: valid JSON
            }
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Forecast>> together = new ArrayList<>();
                for (int user = 0; user < THREADS; user++) {
                    int u = user;
                    together.add(threads.submit(() -> forecaster.forecast(100 + u, "the weather in town " + u)));
                }
                for (int user = 0; user < THREADS; user++) {
                    assertEquals(alone.get(user), together.get(user).get(60, TimeUnit.SECONDS), "user " + user);
                }
            } finally {
                threads.shutdown();
            }
            assertTrue(alone.stream().allMatch(f -> f.city() != null && f.hints() != null), alone.toString());
            // any JSON, on the streaming model: the pieces add up to one JSON value
            try (LlmaccelStreamingChatModel streaming = LlmaccelStreamingChatModel.builder().engine(model.engine())
                    .modelName(model.defaultRequestParameters().modelName()).build()) {
                assertTrue(streaming.supportedCapabilities().contains(Capability.RESPONSE_FORMAT_JSON_SCHEMA));
                StringBuilder pieces = new StringBuilder();
                FutureHandler handler = new FutureHandler() {
                    @Override
                    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                        pieces.append(partial.text());
                    }
                };
                streaming.chat(ChatRequest.builder().messages(UserMessage.from("any json")).responseFormat(ResponseFormat.JSON)
                        .maxOutputTokens(64).build(), handler);
                ChatResponse response = handler.done.get(60, TimeUnit.SECONDS);
                assertEquals(FinishReason.STOP, response.finishReason(), "the grammar ended it: " + response.aiMessage().text());
                assertEquals(response.aiMessage().text(), pieces.toString());
                new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(response.aiMessage().text());  // throws unless it is one JSON value
            }
        }
    }

    @Test
    void aStreamingRequestCancelsThroughItsHandle() throws Exception {
        try (LlmaccelStreamingChatModel model = LlmaccelStreamingChatModel.builder().modelPath(gguf).backend(cpu)
                .engineConfig(EngineConfig.defaults().withContextSize(1024).withKvCacheTokens(2048)).build()) {
            AtomicInteger partials = new AtomicInteger();
            AtomicInteger afterCancel = new AtomicInteger();
            FutureHandler handler = new FutureHandler() {
                @Override
                public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                    if (context.streamingHandle().isCancelled()) {
                        afterCancel.incrementAndGet();
                    }
                    if (partials.incrementAndGet() == 3) {
                        context.streamingHandle().cancel();
                    }
                }
            };
            model.chat(ChatRequest.builder().messages(UserMessage.from("go on forever")).build(), handler);
            ChatResponse response = handler.done.get(60, TimeUnit.SECONDS);
            assertEquals(FinishReason.OTHER, response.finishReason());
            assertEquals(0, afterCancel.get(), "no partial response after the cancellation");
            assertTrue(response.tokenUsage().outputTokenCount() < 1000, "it stopped early");
            assertEquals(1, model.engine().stats().cancelled());
        }
    }

    @Test
    void aBuilderNeedsExactlyOneSource() {
        assertThrows(IllegalStateException.class, () -> LlmaccelChatModel.builder().build());
        try (LlmaccelChatModel model = chatModel()) {
            assertThrows(IllegalStateException.class, () -> LlmaccelChatModel.builder().modelPath(gguf)
                    .engine(model.engine()).build());
            assertFalse(model.engine().stats().running() > 0);
        }
        assertThrows(java.io.UncheckedIOException.class, () -> LlmaccelChatModel.builder()
                .modelPath(dir.resolve("missing.gguf")).build());
    }

    /** A streaming handler whose future completes with the response or the error; each test adds what it does with the pieces. */
    private abstract static class FutureHandler implements StreamingChatResponseHandler {
        final CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        @Override
        public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }
    }
}
