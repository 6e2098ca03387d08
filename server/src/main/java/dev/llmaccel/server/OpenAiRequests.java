package dev.llmaccel.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.generation.ChatMessage;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.grammar.Grammar;
import dev.llmaccel.grammar.JsonSchemaException;
import dev.llmaccel.serving.CompletionRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The fields of OpenAI's chat and text completion requests as engine requests. Each known field is
 * checked for its type and range (a 400 naming the field otherwise); fields the server does not
 * know are ignored, as OpenAI does.
 */
final class OpenAiRequests {
    private OpenAiRequests() {}

    /** The engine request of a {@code /v1/chat/completions} body. */
    static CompletionRequest chat(ObjectNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String param = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiException.invalid(param, param + " must be an object");
            }
            String role = string(m, "role", param + ".role");
            String content = content(m.get("content"), param + ".content");
            if (role == null) {
                throw ApiException.invalid(param + ".role", param + ".role is required");
            }
            out.add(switch (role) {
                case "system", "developer" -> ChatMessage.system(content);
                case "user" -> ChatMessage.user(content);
                case "assistant" -> ChatMessage.assistant(content);
                default -> throw ApiException.invalid(param + ".role", "role \"" + role
                        + "\" is not supported (system, developer, user and assistant messages of text)");
            });
        }
        GenerationOptions options = options(body, integerOr(body, "max_completion_tokens", integerOr(body, "max_tokens", -1)));
        return CompletionRequest.ofMessages(out, withResponseFormat(options, body.get("response_format")));
    }

    /** The engine request of a {@code /v1/completions} body: a prompt of text, or of token ids. */
    static CompletionRequest completion(ObjectNode body) {
        JsonNode prompt = body.get("prompt");
        if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            prompt = prompt.get(0);
        }
        GenerationOptions options = options(body, integerOr(body, "max_tokens", 16));  // OpenAI's default for completions
        if (prompt != null && prompt.isTextual()) {
            return CompletionRequest.ofText(prompt.asText(), options);
        }
        if (prompt != null && prompt.isArray() && !prompt.isEmpty()) {
            int[] tokens = new int[prompt.size()];
            for (int i = 0; i < tokens.length; i++) {
                if (!prompt.get(i).canConvertToInt() || !prompt.get(i).isIntegralNumber()) {
                    throw ApiException.invalid("prompt", "prompt must be a string, an array of one string or an array"
                            + " of token ids (several prompts in one request are not supported)");
                }
                tokens[i] = prompt.get(i).intValue();
            }
            return CompletionRequest.ofTokens(tokens, options);
        }
        throw ApiException.invalid("prompt", "prompt must be a string, an array of one string or an array of token ids");
    }

    /** Whether the body asks for server-sent events. */
    static boolean stream(ObjectNode body) {
        JsonNode n = body.get("stream");
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw ApiException.invalid("stream", "stream must be a boolean");
        }
        return n.booleanValue();
    }

    /** Whether a streamed response ends with a usage chunk ({@code stream_options.include_usage}). */
    static boolean includeUsage(ObjectNode body) {
        JsonNode o = body.get("stream_options");
        if (o == null || o.isNull()) {
            return false;
        }
        if (!o.isObject()) {
            throw ApiException.invalid("stream_options", "stream_options must be an object");
        }
        JsonNode n = o.get("include_usage");
        if (n != null && !n.isNull() && !n.isBoolean()) {
            throw ApiException.invalid("stream_options.include_usage", "stream_options.include_usage must be a boolean");
        }
        return n != null && n.booleanValue();
    }

    /** Sampling, token limit, stop strings and seed, OpenAI's defaults where a field is absent (temperature 1, top-p 1). */
    private static GenerationOptions options(ObjectNode body, int maxTokens) {
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.intValue() == 1)) {
            throw ApiException.invalid("n", "n must be 1: one choice per request");
        }
        float temperature = (float) numberOr(body, "temperature", 1.0, 0, 2);
        float topP = (float) numberOr(body, "top_p", 1.0, 0, 1);
        float frequency = (float) numberOr(body, "frequency_penalty", 0, -2, 2);
        float presence = (float) numberOr(body, "presence_penalty", 0, -2, 2);
        SamplingParams sampling = SamplingParams.ofTemperature(temperature)
                .withTopP(topP == 0 ? Float.MIN_VALUE : topP)
                .withPenalties(1f, frequency, presence)
                .withLogitBias(logitBias(body.get("logit_bias")));
        JsonNode seedNode = body.get("seed");
        long seed;
        if (seedNode == null || seedNode.isNull()) {
            seed = ThreadLocalRandom.current().nextLong();
        } else if (seedNode.isIntegralNumber() && seedNode.canConvertToLong()) {
            seed = seedNode.longValue();
        } else {
            throw ApiException.invalid("seed", "seed must be an integer");
        }
        return new GenerationOptions(sampling, maxTokens, stops(body.get("stop")), seed,
                GenerationOptions.DEFAULT_PENALTY_WINDOW);
    }

    /** json_object is any JSON value, json_schema the grammar of its schema, text (or none) no grammar. */
    private static GenerationOptions withResponseFormat(GenerationOptions options, JsonNode format) {
        if (format == null || format.isNull()) {
            return options;
        }
        String type = format.isObject() ? string(format, "type", "response_format.type") : null;
        if (type == null) {
            throw ApiException.invalid("response_format", "response_format must be an object with a type");
        }
        switch (type) {
            case "text":
                return options;
            case "json_object":
                return options.withGrammar(Grammar.json());
            case "json_schema":
                JsonNode schema = format.path("json_schema").get("schema");
                if (schema == null || !schema.isObject()) {
                    throw ApiException.invalid("response_format.json_schema.schema",
                            "response_format json_schema needs json_schema.schema, an object");
                }
                try {
                    return options.withGrammar(Grammar.fromJsonSchema(schema.toString()));
                } catch (JsonSchemaException e) {
                    throw ApiException.invalid("response_format.json_schema.schema", "the JSON schema: " + e.getMessage());
                }
            default:
                throw ApiException.invalid("response_format.type", "response_format type \"" + type
                        + "\" is not supported (text, json_object, json_schema)");
        }
    }

    private static String content(JsonNode content, String param) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {  // parts: [{"type":"text","text":"..."}, ...]
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.invalid(param, "only text content parts are supported");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiException.invalid(param, param + " must be a string or an array of text parts");
    }

    private static List<String> stops(JsonNode stop) {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (stop.isTextual()) {
            if (!stop.asText().isEmpty()) {
                out.add(stop.asText());
            }
            return out;
        }
        if (!stop.isArray() || stop.size() > 4) {
            throw ApiException.invalid("stop", "stop must be a string or an array of up to 4 strings");
        }
        for (JsonNode s : stop) {
            if (!s.isTextual() || s.asText().isEmpty()) {
                throw ApiException.invalid("stop", "each stop sequence must be a non-empty string");
            }
            out.add(s.asText());
        }
        return out;
    }

    private static Map<Integer, Float> logitBias(JsonNode bias) {
        Map<Integer, Float> out = new HashMap<>();
        if (bias == null || bias.isNull()) {
            return out;
        }
        if (!bias.isObject()) {
            throw ApiException.invalid("logit_bias", "logit_bias must be an object of token ids to biases");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = bias.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int token;
            try {
                token = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw ApiException.invalid("logit_bias", "logit_bias key \"" + e.getKey() + "\" is not a token id");
            }
            if (token < 0 || !e.getValue().isNumber() || Math.abs(e.getValue().doubleValue()) > 100) {
                throw ApiException.invalid("logit_bias", "logit_bias maps token ids >= 0 to numbers in [-100, 100]");
            }
            out.put(token, e.getValue().floatValue());
        }
        return out;
    }

    private static String string(JsonNode node, String field, String param) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw ApiException.invalid(param, param + " must be a string");
        }
        return n.asText();
    }

    /** The model a body names, or null. */
    static String model(ObjectNode body) {
        return string(body, "model", "model");
    }

    private static int integerOr(ObjectNode body, String field, int absent) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return absent;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1) {
            throw ApiException.invalid(field, field + " must be an integer >= 1");
        }
        return n.intValue();
    }

    private static double numberOr(ObjectNode body, String field, double absent, double min, double max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return absent;
        }
        if (!n.isNumber() || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
            throw ApiException.invalid(field, field + " must be a number in [" + min + ", " + max + "]");
        }
        return n.doubleValue();
    }
}
