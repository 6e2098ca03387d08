package dev.llmaccel.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.grammar.Grammar;
import dev.llmaccel.grammar.JsonSchemaException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LangChain4j response formats as grammars: what the chat models hand to generation. */
class ResponseFormatsTest {
    private static ResponseFormat json(JsonSchemaElement root) {
        return ResponseFormat.builder().type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder().name("answer").rootElement(root).build()).build();
    }

    @Test
    void textIsNoGrammarAndJsonIsAnyValue() {
        assertNull(ResponseFormats.grammarFor(null));
        assertNull(ResponseFormats.grammarFor(ResponseFormat.TEXT));
        assertSame(Grammar.json(), ResponseFormats.grammarFor(ResponseFormat.JSON));
        GenerationOptions plain = GenerationOptions.greedy(10);
        assertSame(plain, ResponseFormats.apply(plain, ResponseFormat.TEXT));
        assertSame(Grammar.json(), ResponseFormats.apply(plain, ResponseFormat.JSON).grammar());
    }

    @Test
    void anObjectSchemaBecomesItsGrammar() {
        JsonObjectSchema person = JsonObjectSchema.builder()
                .addStringProperty("name", "the full name")
                .addIntegerProperty("age")
                .addProperty("role", JsonEnumSchema.builder().enumValues("admin", "user").build())
                .addProperty("tags", JsonArraySchema.builder().items(new JsonIntegerSchema()).build())
                .required("name", "age")
                .build();
        Grammar g = ResponseFormats.grammarFor(json(person));
        assertTrue(g.matches("{\"name\": \"Ada\", \"age\": 36}"));
        assertTrue(g.matches("{\"name\": \"Ada\", \"age\": 36, \"role\": \"admin\", \"tags\": [1, 2]}"));
        assertFalse(g.matches("{\"name\": \"Ada\"}"), "age is required");
        assertFalse(g.matches("{\"name\": \"Ada\", \"age\": 36, \"role\": \"root\"}"), "not an enum value");
        assertFalse(g.matches("{\"name\": \"Ada\", \"age\": 36, \"extra\": 1}"), "additional properties are off by default");
    }

    @Test
    void referencesAnyOfNullAndRawSchemas() {
        JsonObjectSchema node = JsonObjectSchema.builder()
                .addIntegerProperty("v")
                .addProperty("next", JsonAnyOfSchema.builder().anyOf(JsonReferenceSchema.builder().reference("node").build(), new JsonNullSchema()).build())
                .required("v", "next")
                .build();
        JsonObjectSchema root = JsonObjectSchema.builder()
                .addProperty("head", JsonReferenceSchema.builder().reference("node").build())
                .addProperty("raw", JsonRawSchema.from("{\"type\": \"string\", \"format\": \"date\"}"))
                .required("head")
                .definitions(java.util.Map.of("node", node))
                .build();
        Grammar g = ResponseFormats.grammarFor(json(root));
        assertTrue(g.matches("{\"head\": {\"v\": 1, \"next\": {\"v\": 2, \"next\": null}}}"));
        assertTrue(g.matches("{\"head\": {\"v\": 1, \"next\": null}, \"raw\": \"2024-02-29\"}"));
        assertFalse(g.matches("{\"head\": {\"v\": 1, \"next\": null}, \"raw\": \"2023-02-29\"}"));
    }

    record Item(String sku, int quantity, List<String> labels) {}

    /** LangChain4j's own schema of a record accepts what Jackson writes for it. */
    @Test
    void theSchemaLangChain4jDerivesFromARecordAcceptsItsJson() throws Exception {
        JsonSchemaElement schema = JsonSchemaElementUtils.jsonSchemaElementFrom(Item.class);
        Grammar g = ResponseFormats.grammarFor(json(schema));
        String written = new ObjectMapper().writeValueAsString(new Item("A-1", 3, List.of("new", "blue")));
        assertTrue(g.matches(written), written + "\n" + ResponseFormats.toJsonSchema(schema));
        assertFalse(g.matches("{\"sku\": 3}"), "sku is a string");
    }

    @Test
    void unsupportedSchemasAreClearErrors() {
        JsonSchemaException e = assertThrows(JsonSchemaException.class,
                () -> ResponseFormats.grammarFor(json(JsonRawSchema.from("{\"type\": \"array\", \"uniqueItems\": true}"))));
        assertEquals("#", e.location());
        assertThrows(IllegalArgumentException.class, () -> ResponseFormats.toJsonSchema(JsonRawSchema.from("{not json")));
    }
}
