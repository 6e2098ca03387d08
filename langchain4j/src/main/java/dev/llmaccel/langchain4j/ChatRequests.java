package dev.llmaccel.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.grammar.JsonSchemaException;
import dev.llmaccel.serving.Completion;
import dev.llmaccel.serving.CompletionRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * LangChain4j's chat requests as engine requests, and engine results as chat responses, for both
 * chat models. Every parameter is honoured or refused with an {@link UnsupportedFeatureException}:
 * none is silently ignored. A JSON response format (with or without a schema) becomes the
 * request's grammar ({@link ResponseFormats}), so the reply is valid JSON of that schema.
 */
final class ChatRequests {
    private ChatRequests() {}

    /**
     * The engine request for a chat request whose parameters are already merged with the model's
     * defaults (ChatModel.chat does that).
     *
     * @param modelName the name this model answers to; a request for another model is refused
     * @param seed seeds the request's sampler
     */
    static CompletionRequest toEngine(ChatRequest request, String modelName, long seed) {
        ChatRequestParameters p = request.parameters();
        if (p.modelName() != null && !p.modelName().equals(modelName)) {
            throw new UnsupportedFeatureException("this chat model serves \"" + modelName + "\"; it cannot switch to \""
                    + p.modelName() + "\"");
        }
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("tools are not supported by llmaccel's chat models");
        }
        if (p.toolChoice() == ToolChoice.REQUIRED) {
            throw new UnsupportedFeatureException("tool choice REQUIRED: tools are not supported by llmaccel's chat models");
        }
        SamplingParams sampling = SamplingParams.greedy();
        if (p.temperature() != null) {
            sampling = sampling.withTemperature(p.temperature().floatValue());
        }
        if (p.topP() != null) {
            sampling = sampling.withTopP(p.topP().floatValue());
        }
        if (p.topK() != null) {
            sampling = sampling.withTopK(p.topK());
        }
        if (p.frequencyPenalty() != null || p.presencePenalty() != null) {
            sampling = sampling.withPenalties(1f, p.frequencyPenalty() == null ? 0f : p.frequencyPenalty().floatValue(),
                    p.presencePenalty() == null ? 0f : p.presencePenalty().floatValue());
        }
        int maxTokens = p.maxOutputTokens() == null ? -1 : p.maxOutputTokens();
        List<String> stops = p.stopSequences() == null ? List.of() : p.stopSequences();
        GenerationOptions options = new GenerationOptions(sampling, maxTokens, stops, seed,
                GenerationOptions.DEFAULT_PENALTY_WINDOW);
        try {
            options = ResponseFormats.apply(options, p.responseFormat());
        } catch (JsonSchemaException e) {
            throw new UnsupportedFeatureException("the response format's JSON schema: " + e.getMessage());
        }
        return CompletionRequest.ofMessages(messages(request.messages()), options);
    }

    /** System, user and assistant messages of text; anything else is refused. */
    static List<dev.llmaccel.generation.ChatMessage> messages(List<ChatMessage> messages) {
        List<dev.llmaccel.generation.ChatMessage> out = new ArrayList<>();
        for (ChatMessage m : messages) {
            if (m instanceof SystemMessage s) {
                out.add(dev.llmaccel.generation.ChatMessage.system(s.text()));
            } else if (m instanceof UserMessage u) {
                out.add(dev.llmaccel.generation.ChatMessage.user(text(u)));
            } else if (m instanceof AiMessage a) {
                if (a.hasToolExecutionRequests()) {
                    throw new UnsupportedFeatureException("assistant messages with tool calls are not supported");
                }
                out.add(dev.llmaccel.generation.ChatMessage.assistant(a.text() == null ? "" : a.text()));
            } else {
                throw new UnsupportedFeatureException(m.type() + " messages are not supported (system, user and AI text only)");
            }
        }
        return out;
    }

    private static String text(UserMessage u) {
        StringBuilder text = new StringBuilder();
        for (Content c : u.contents()) {
            if (!(c instanceof TextContent t)) {
                throw new UnsupportedFeatureException(c.type() + " content is not supported: llmaccel's chat models take text");
            }
            text.append(t.text());
        }
        return text.toString();
    }

    /** The chat response for an engine result. */
    static ChatResponse toResponse(Completion c, String modelName) {
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(c.text()))
                .id(Long.toString(c.id()))
                .modelName(modelName)
                .tokenUsage(new TokenUsage(c.usage().promptTokens(), c.usage().completionTokens()))
                .finishReason(finishReason(c))
                .build();
    }

    private static FinishReason finishReason(Completion c) {
        return switch (c.stopReason()) {
            case END_OF_GENERATION, STOP_STRING -> FinishReason.STOP;
            case MAX_TOKENS, CONTEXT_FULL -> FinishReason.LENGTH;
            case CANCELLED -> FinishReason.OTHER;
        };
    }
}
