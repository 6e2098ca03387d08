package dev.llmaccel.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.grammar.Grammar;
import dev.llmaccel.grammar.JsonSchemaException;
import java.util.Map;
import java.util.Objects;

/**
 * LangChain4j's {@link ResponseFormat} as llmaccel grammars, for chat models that honour it:
 * {@code JSON} without a schema is any JSON value, {@code JSON} with a schema is the grammar of
 * that schema, {@code TEXT} is no grammar.
 *
 * <pre>{@code
 * GenerationOptions options = ResponseFormats.apply(GenerationOptions.greedy(512), request.responseFormat());
 * }</pre>
 *
 * <p>The schema tree becomes JSON Schema the way LangChain4j's providers write it: references
 * name definitions of the root object ({@code #/$defs/<name>}), an object's
 * {@code additionalProperties} left unset means none (as llama.cpp, and as OpenAI's strict mode).
 */
public final class ResponseFormats {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResponseFormats() {}

    /**
     * The grammar a response format asks for, or null for plain text (format null or TEXT).
     *
     * @throws JsonSchemaException when the schema uses a feature the grammar converter does not support
     */
    public static Grammar grammarFor(ResponseFormat format) {
        if (format == null || format.type() != ResponseFormatType.JSON) {
            return null;
        }
        if (format.jsonSchema() == null || format.jsonSchema().rootElement() == null) {
            return Grammar.json();
        }
        return Grammar.fromJsonSchema(toJsonSchema(format.jsonSchema().rootElement()));
    }

    /** The options with the response format's grammar (unchanged for plain text). */
    public static GenerationOptions apply(GenerationOptions options, ResponseFormat format) {
        Objects.requireNonNull(options, "options");
        Grammar grammar = grammarFor(format);
        return grammar == null ? options : options.withGrammar(grammar);
    }

    /**
     * The JSON Schema text of a LangChain4j schema element.
     *
     * @throws IllegalArgumentException for an element type this class does not know, or a raw schema that is not JSON
     */
    public static String toJsonSchema(JsonSchemaElement root) {
        Objects.requireNonNull(root, "root");
        try {
            return JSON.writeValueAsString(node(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the schema", e);
        }
    }

    private static JsonNode node(JsonSchemaElement e) {
        ObjectNode n = JSON.createObjectNode();
        if (e instanceof JsonObjectSchema o) {
            n.put("type", "object");
            description(n, o.description());
            if (o.properties() != null && !o.properties().isEmpty()) {
                ObjectNode properties = n.putObject("properties");
                for (Map.Entry<String, JsonSchemaElement> p : o.properties().entrySet()) {
                    properties.set(p.getKey(), node(p.getValue()));
                }
            }
            if (o.required() != null && !o.required().isEmpty()) {
                ArrayNode required = n.putArray("required");
                o.required().forEach(required::add);
            }
            if (o.additionalProperties() != null) {
                n.put("additionalProperties", o.additionalProperties());
            }
            if (o.definitions() != null && !o.definitions().isEmpty()) {
                ObjectNode defs = n.putObject("$defs");
                for (Map.Entry<String, JsonSchemaElement> d : o.definitions().entrySet()) {
                    defs.set(d.getKey(), node(d.getValue()));
                }
            }
        } else if (e instanceof JsonArraySchema a) {
            n.put("type", "array");
            description(n, a.description());
            if (a.items() != null) {
                n.set("items", node(a.items()));
            }
        } else if (e instanceof JsonStringSchema s) {
            n.put("type", "string");
            description(n, s.description());
        } else if (e instanceof JsonIntegerSchema i) {
            n.put("type", "integer");
            description(n, i.description());
        } else if (e instanceof JsonNumberSchema num) {
            n.put("type", "number");
            description(n, num.description());
        } else if (e instanceof JsonBooleanSchema b) {
            n.put("type", "boolean");
            description(n, b.description());
        } else if (e instanceof JsonNullSchema) {
            n.put("type", "null");
        } else if (e instanceof JsonEnumSchema en) {
            n.put("type", "string");
            description(n, en.description());
            ArrayNode values = n.putArray("enum");
            en.enumValues().forEach(values::add);
        } else if (e instanceof JsonAnyOfSchema any) {
            description(n, any.description());
            ArrayNode options = n.putArray("anyOf");
            any.anyOf().forEach(option -> options.add(node(option)));
        } else if (e instanceof JsonReferenceSchema r) {
            n.put("$ref", "#/$defs/" + r.reference());
        } else if (e instanceof JsonRawSchema raw) {
            try {
                return JSON.readTree(raw.schema());
            } catch (JsonProcessingException ex) {
                throw new IllegalArgumentException("the raw schema is not JSON: " + ex.getOriginalMessage(), ex);
            }
        } else {
            throw new IllegalArgumentException("unknown schema element " + e.getClass().getName());
        }
        return n;
    }

    private static void description(ObjectNode n, String description) {
        if (description != null) {
            n.put("description", description);
        }
    }
}
