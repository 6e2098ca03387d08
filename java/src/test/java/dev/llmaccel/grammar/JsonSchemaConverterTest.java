package dev.llmaccel.grammar;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * JSON Schema to grammar: documents each schema must accept and reject (llama.cpp's
 * test-grammar-integration schema cases and more), integer ranges and calendar dates checked
 * exhaustively, and the errors for what is not supported.
 */
class JsonSchemaConverterTest {
    static void schema(String schema, List<String> accepted, List<String> rejected) {
        Grammar g = Grammar.fromJsonSchema(schema);
        List<Executable> checks = new ArrayList<>();
        for (String s : accepted) {
            checks.add(() -> assertTrue(g.matches(s), () -> "should accept " + s + " for " + schema + "\n" + g.gbnf()));
        }
        for (String s : rejected) {
            checks.add(() -> assertFalse(g.matches(s), () -> "should reject " + s + " for " + schema + "\n" + g.gbnf()));
        }
        assertAll(checks);
    }

    @Test
    void integerBounds() {
        schema("{\"type\": \"integer\", \"minimum\": 0}", List.of("0", "10", "12", "10000"),
                List.of("-1", "-10", "-10000", "-100000000000000000000000000000000", "100000000000000000000000000000000", "00", "01", "-0"));
        schema("{\"type\": \"integer\", \"minimum\": 2}", List.of("2", "3", "4", "10", "20", "1234567890000000"),
                List.of("0", "1", "-1", "-100", "01", "02", "12345678900000000"));
        schema("{\"type\": \"integer\", \"minimum\": 456}", List.of("456", "4560", "457", "460", "500"), List.of("455", "356", "50", "050", "-1", "-456"));
        schema("{\"type\": \"integer\", \"minimum\": -123}", List.of("-123", "-122", "-11", "-1", "0", "1", "123", "1234", "2345"), List.of("-1234", "-124"));
        schema("{\"type\": \"integer\", \"maximum\": 9999}", List.of("-99999", "0", "9999"), List.of("10000", "99991"));
        schema("{\"type\": \"integer\", \"maximum\": -9999}", List.of("-10000", "-9999"), List.of("-9998", "0", "9999"));
        schema("{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 30}", List.of("5", "10", "30"), List.of("05", "4", "-1", "31", "123", "0123"));
        schema("{\"type\": \"integer\", \"minimum\": -1, \"maximum\": 1}", List.of("-1", "0", "1"), List.of("-11", "-10", "-2", "2", "10", "11"));
        schema("{\"type\": \"integer\", \"exclusiveMinimum\": 0, \"exclusiveMaximum\": 10000}", List.of("1", "9999"), List.of("0", "01", "10000", "99999"));
        schema("{\"type\": \"integer\", \"minimum\": 0.5, \"maximum\": 2.5}", List.of("1", "2"), List.of("0", "3"));
        schema("{\"type\": \"integer\", \"minimum\": 3, \"exclusiveMinimum\": true}", List.of("4"), List.of("3"));
    }

    /** Every integer from -2100 to 2100 against ranges of every shape, leading zeros never. */
    @Test
    void integerRangesExhaustively() {
        long[][] ranges = {{0, 0}, {7, 7}, {-5, 5}, {1, 9}, {10, 99}, {9, 10}, {19, 91}, {100, 1999}, {123, 1234},
                {-1234, -123}, {-2000, 1}, {-1, 2000}, {42, Long.MAX_VALUE}, {Long.MIN_VALUE, -42}, {999, 1001}, {1000, 1999}};
        List<Executable> checks = new ArrayList<>();
        for (long[] r : ranges) {
            StringBuilder schema = new StringBuilder("{\"type\": \"integer\"");
            if (r[0] != Long.MIN_VALUE) {
                schema.append(", \"minimum\": ").append(r[0]);
            }
            if (r[1] != Long.MAX_VALUE) {
                schema.append(", \"maximum\": ").append(r[1]);
            }
            Grammar g = Grammar.fromJsonSchema(schema.append('}').toString());
            checks.add(() -> {
                for (long v = -2100; v <= 2100; v++) {
                    boolean inside = v >= r[0] && v <= r[1];
                    long value = v;
                    assertEquals(inside, g.matches(Long.toString(v)), () -> value + " for " + schema);
                }
                assertFalse(g.matches("-0"), "-0");
                assertFalse(g.matches("01"), "01");
                assertFalse(g.matches("-007"), "-007");
            });
        }
        assertAll(checks);
    }

    @Test
    void strings() {
        schema("{\"type\": \"string\"}", List.of("\"foo\"", "\"bar\"", "\"\"", "\"é 😀 \\u00e9 \\n\""), List.of("{}", "\"foo\": \"bar\"", "foo", "\"\\ud800\""));
        schema("{\"type\": \"string\", \"minLength\": 1}", List.of("\"foo\"", "\"bar\""), List.of("\"\"", "{}"));
        schema("{\"type\": \"string\", \"minLength\": 3}", List.of("\"foo\"", "\"foobar\""), List.of("\"\"", "\"f\"", "\"fo\""));
        schema("{\"type\": \"string\", \"maxLength\": 3}", List.of("\"foo\"", "\"\"", "\"f\"", "\"fo\""), List.of("\"foobar\""));
        schema("{\"type\": \"string\", \"minLength\": 1, \"maxLength\": 4}", List.of("\"foo\"", "\"f\"", "\"barf\""), List.of("\"\"", "\"barfo\"", "\"foobar\""));
        // lengths count code points: an emoji is one, so is an escape
        schema("{\"type\": \"string\", \"minLength\": 2, \"maxLength\": 2}", List.of("\"😀😀\"", "\"a\\n\"", "\"\\u00e9x\""), List.of("\"😀\"", "\"😀😀😀\""));
    }

    @Test
    void scalarsConstAndEnum() {
        schema("{\"type\": \"boolean\"}", List.of("true", "false"), List.of("\"\"", "\"true\"", "True", "FALSE"));
        schema("{\"type\": \"integer\"}", List.of("0", "12345", "1234567890123456", "-5"), List.of("", "01", "007", "12345678901234567", "1.5"));
        schema("{\"type\": \"number\"}", List.of("0", "-1.5", "2e10", "3.25E-7"), List.of("", "01", ".5", "1e", "1e123"));
        schema("{\"type\": \"number\", \"minimum\": 0}", List.of("0", "1.5", "2e3"), List.of("-1", "-0", "-0.5"));
        schema("{\"type\": \"number\", \"exclusiveMinimum\": 0}", List.of("1", "0.5", "0.001", "7e-3"), List.of("0", "0.0", "-1", "0e5"));
        schema("{\"type\": \"null\"}", List.of("null"), List.of("nul", "\"null\""));
        schema("{\"const\": \"foo\"}", List.of("\"foo\""), List.of("foo", "\"bar\""));
        schema("{\"const\": true}", List.of("true"), List.of("", "foo", "\"true\""));
        schema("{\"const\": {\"a\": [1, \"x\"]}}", List.of("{\"a\":[1,\"x\"]}"), List.of("{\"a\": [1, \"x\"]}"));
        schema("{\"enum\": [\"red\", \"amber\", \"green\", null, 42, [\"foo\"]]}", List.of("\"red\"", "null", "42", "[\"foo\"]"), List.of("", "420", "true", "foo"));
        schema("{\"type\": \"string\", \"enum\": [\"a\", 1]}", List.of("\"a\""), List.of("1"));
        schema("{\"enum\": [\"quote\\\"d\", \"back\\\\slash\", \"é\"]}", List.of("\"quote\\\"d\"", "\"back\\\\slash\"", "\"é\""), List.of("\"quote\"d\""));
    }

    @Test
    void patterns() {
        schema("{\"pattern\": \"^[a-zA-Z0-9_-]*$\"}", List.of("\"\"", "\"He_llo-12\""), List.of("\"!\"", "\"Hello World\""));
        schema("{\"pattern\": \"^a\\\\^\\\\$\\\\.\\\\[\\\\]\\\\(\\\\)\\\\|\\\\{\\\\}\\\\*\\\\+\\\\?b$\"}", List.of("\"a^$.[]()|{}*+?b\""), List.of("\"ab\""));
        schema("{\"type\": \"string\", \"pattern\": \"^[A-Z]{2}-\\\\d{3}(x|yz)?$\"}", List.of("\"AB-123\"", "\"ZZ-000x\"", "\"QQ-999yz\""),
                List.of("\"AB-12\"", "\"ab-123\"", "\"AB-1234\"", "\"AB-123y\""));
        // characters JSON must escape come out escaped
        schema("{\"pattern\": \"^.\\\"[^a]$\"}", List.of("\"x\\\"b\"", "\"\\\\\\\"\\n\""), List.of("\"x\"b\"", "\"x\\\"a\""));
        schema("{\"pattern\": \"^\\\\w+\\\\s\\\\W?(?:ab){1,2}$\"}", List.of("\"a_1 ab\"", "\"x\\t!abab\""), List.of("\"a ababab\"", "\" ab\""));
    }

    @Test
    void formats() {
        schema("{\"type\": \"array\", \"items\": {\"format\": \"uuid\"}}",
                List.of("[\"12345678-1234-1234-1234-1234567890ab\"]"), List.of("[\"12345678-1234-1234-1234-1234567890a\"]", "[\"x\"]"));
        schema("{\"format\": \"time\"}", List.of("\"18:25:43.511Z\"", "\"00:00:00+01:00\"", "\"23:59:59-12:30\"", "\"12:00:00-18:00\""),
                List.of("\"24:00:00Z\"", "\"18:25:43\"", "\"18:60:00Z\"", "\"1:00:00Z\"", "\"12:00:00+18:01\"", "\"12:00:00-22:11\""));
        schema("{\"format\": \"date-time\"}", List.of("\"2012-04-23T18:25:43.511Z\"", "\"2024-02-29T00:00:00+05:30\""),
                List.of("\"2012-04-23 18:25:43Z\"", "\"2023-02-29T00:00:00Z\""));
    }

    /** Every month and day 00 to 32 of years with every leap rule, against java.time. */
    @Test
    void datesAreRealCalendarDays() {
        Grammar g = Grammar.fromJsonSchema("{\"type\": \"string\", \"format\": \"date\"}");
        List<Executable> checks = new ArrayList<>();
        for (int year : new int[] {0, 1, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9996, 9999}) {
            checks.add(() -> {
                for (int month = 0; month <= 13; month++) {
                    for (int day = 0; day <= 32; day++) {
                        String date = String.format("%04d-%02d-%02d", year, month, day);
                        boolean real;
                        try {
                            LocalDate.parse(date);
                            real = true;
                        } catch (DateTimeParseException e) {
                            real = false;
                        }
                        assertEquals(real, g.matches("\"" + date + "\""), date);
                    }
                }
            });
        }
        assertAll(checks);
    }

    @Test
    void arrays() {
        schema("{\"type\": [\"array\", \"null\"], \"items\": {\"type\": \"string\"}}", List.of("null", "[]", "[\"123\"]", "[\"foo\", \"bar\"]"),
                List.of("", "[123]", "\"foo\"", "[\"foo\", 42]"));
        schema("{\"items\": {\"type\": [\"number\", \"integer\"]}, \"minItems\": 3, \"maxItems\": 5}",
                List.of("[1, 2, 3]", "[1, 2, 3, 4]", "[1, 2, 3, 4, 5]"), List.of("[1, 2]", "[1, 2, 3, 4, 5, 6]", "1"));
        schema("{\"type\": \"array\", \"maxItems\": 0}", List.of("[]", "[ ]"), List.of("[1]"));
        schema("{\"type\": \"array\", \"minItems\": 1, \"maxItems\": 1}", List.of("[{}]", "[[1]]"), List.of("[]", "[1, 2]"));
    }

    @Test
    void objects() {
        String address = "{\"type\": \"object\", \"properties\": {\"number\": {\"type\": \"number\"}, \"street_name\": {\"type\": \"string\"},"
                + " \"street_type\": {\"enum\": [\"Street\", \"Avenue\", \"Boulevard\"]}}";
        schema(address + "}",
                List.of("{ \"number\": 1600, \"street_name\": \"Pennsylvania\", \"street_type\":\"Avenue\"}", "{ \"street_name\": \"Pennsylvania\" }",
                        "{ \"number\": 1600, \"street_name\": \"Pennsylvania\" }", "{}", "{ \"number\": 1600, \"street_type\":\"Avenue\"}"),
                List.of("{ \"number\": \"1600\", \"street_name\": \"Pennsylvania\", \"street_type\":\"Avenue\"}",
                        "{ \"street_name\": \"Pennsylvania\", \"number\": 1600 }",
                        "{ \"number\": 1600, \"street_name\": \"Pennsylvania\", \"street_type\":\"Avenue\", \"direction\":\"NW\"}",
                        "{ \"street_type\": \"Avenue\", \"number\": 1600 }", "{,}", "{ \"number\": 1600, }"));
        schema(address + ", \"additionalProperties\": true}",
                List.of("{}", "{\"number\":1600,\"street_name\":\"Pennsylvania\",\"street_type\":\"Avenue\"}",
                        "{ \"number\": 1600, \"street_name\": \"Pennsylvania\", \"street_type\":\"Avenue\", \"direction\":\"NW\"}",
                        "{\"direction\": \"NW\", \"x\": [1]}"),
                List.of("{ \"number\": \"1600\", \"street_name\": \"Pennsylvania\", \"street_type\":\"Avenue\"}",
                        "{ \"street_name\": \"Pennsylvania\", \"number\": 1600, \"street_type\":\"Avenue\"}"));
        schema("{\"properties\": {\"b\": {\"type\": \"string\"}, \"a\": {\"type\": \"string\"}, \"d\": {\"type\": \"string\"}, \"c\": {\"type\": \"string\"}},"
                        + " \"required\": [\"a\", \"b\"], \"additionalProperties\": false}",
                List.of("{\"b\": \"foo\", \"a\": \"bar\"}", "{\"b\":\"foo\",\"a\":\"bar\",\"d\":\"qux\"}", "{\"b\":\"foo\", \"a\":\"bar\", \"d\":\"qux\", \"c\":\"baz\"}",
                        "{\"b\":\"foo\", \"a\":\"bar\", \"c\":\"baz\"}"),
                List.of("{\"a\": \"foo\", \"b\": \"bar\"}", "{\"b\": \"bar\"}", "{\"a\": \"foo\", \"c\": \"baz\"}", "{\"a\":\"foo\", \"b\":\"bar\", \"c\":\"baz\", \"d\":\"qux\"}"));
    }

    @Test
    void additionalKeysNeverRepeatADeclaredOne() {
        schema("{\"properties\": {\"a\": {\"type\": \"integer\"}, \"b\": {\"type\": \"integer\"}}, \"additionalProperties\": true}",
                List.of("{\"a\": 42}", "{\"c\": \"\"}", "{\"a\": 42, \"c\": \"\"}", "{\"a_\": \"\"}", "{\"\": 1}", "{\"ab\": 1, \"ba\": 2}"),
                List.of("", "{\"a\": \"\"}", "{\"a\": \"\", \"b\": \"\"}", "{\"c\": 1, \"a\": 1}", "{\"b\": 1, \"b\": 2}"));
        schema("{\"properties\": {\"k/1\": {\"type\": \"null\"}, \"\": {\"type\": \"null\"}}, \"additionalProperties\": {\"type\": \"boolean\"}}",
                List.of("{\"k/1\": null}", "{\"k\\/2\": true}", "{\"k\": false}", "{\"\": null, \"x\": true}"),
                List.of("{\"k\\/1\": true}", "{\"\": true}", "{\"x\": null}", "{\"k/1\": true}"));
        schema("{\"type\": \"object\", \"additionalProperties\": {\"type\": \"integer\"}}", List.of("{}", "{\"x\": 1, \"y\": 2}"), List.of("{\"x\": \"1\"}"));
    }

    @Test
    void combinatorsAndReferences() {
        schema("{\"anyOf\": [{\"type\": \"integer\"}, {\"type\": \"string\", \"maxLength\": 1}], \"description\": \"either\"}",
                List.of("1", "\"a\""), List.of("\"ab\"", "true"));
        schema("{\"oneOf\": [{\"const\": 1}, {\"const\": 2}]}", List.of("1", "2"), List.of("3"));
        schema("{\"allOf\": [{\"type\": \"boolean\"}]}", List.of("true"), List.of("1"));
        String tree = "{\"$defs\": {\"node\": {\"type\": \"object\", \"properties\": {\"v\": {\"type\": \"integer\"},"
                + " \"kids\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/node\"}}}, \"required\": [\"v\"]}}, \"$ref\": \"#/$defs/node\"}";
        schema(tree, List.of("{\"v\": 1}", "{\"v\": 1, \"kids\": [{\"v\": 2, \"kids\": [{\"v\": 3}]}, {\"v\": 4}]}"),
                List.of("{}", "{\"v\": 1, \"kids\": [{}]}"));
        schema("{\"type\": \"object\", \"properties\": {\"next\": {\"$ref\": \"#\"}}, \"required\": []}",
                List.of("{}", "{\"next\": {\"next\": {}}}"), List.of("{\"next\": 1}"));
        schema("{\"definitions\": {\"a b\": {\"type\": \"null\"}}, \"items\": {\"$ref\": \"#/definitions/a b\"}}", List.of("[null]"), List.of("[1]"));
    }

    @Test
    void emptyAndTrueSchemasAcceptAnyValue() {
        // JSON Schema's meaning; llama.cpp narrows {} to objects
        for (String s : List.of("{}", "true", "{\"title\": \"anything\"}")) {
            schema(s, List.of("{}", "{\"foo\": \"bar\"}", "[]", "null", "\"\"", "true", "-1.5"), List.of("", "{"));
        }
    }

    @Test
    void unsupportedFeaturesAreErrorsNamingThem() {
        assertSchemaError("{\"type\": \"array\", \"uniqueItems\": true}", "#", "'uniqueItems' is not supported");
        assertSchemaError("{\"properties\": {\"x\": {\"not\": {\"type\": \"string\"}}}}", "#/properties/x", "'not' is not supported");
        assertSchemaError("{\"type\": \"object\", \"patternProperties\": {\"^a\": {}}}", "#", "'patternProperties'");
        assertSchemaError("{\"type\": \"integer\", \"multipleOf\": 2}", "#", "'multipleOf'");
        assertSchemaError("{\"type\": \"string\", \"format\": \"email\"}", "#/format", "string format \"email\" is not supported");
        assertSchemaError("{\"type\": \"string\", \"pattern\": \"a+\"}", "#/pattern", "only anchored patterns");
        assertSchemaError("{\"type\": \"string\", \"pattern\": \"^(?=a)a$\"}", "#/pattern", "lookaround");
        assertSchemaError("{\"type\": \"string\", \"pattern\": \"^a\\\\bc$\"}", "#/pattern", "word boundaries");
        assertSchemaError("{\"type\": \"number\", \"maximum\": 3}", "#", "'maximum' on a number is not supported");
        assertSchemaError("{\"items\": [{\"type\": \"string\"}]}", "#/items", "(a tuple) is not supported");
        assertSchemaError("{\"prefixItems\": [{}]}", "#", "'prefixItems' is not supported");
        assertSchemaError("{\"$ref\": \"https://example.com/s.json\"}", "#/$ref", "only local references");
        assertSchemaError("{\"$ref\": \"#/$defs/missing\"}", "#/$ref", "points at nothing");
        assertSchemaError("{\"type\": \"object\", \"required\": [\"x\"]}", "#/required", "'x' is not among the 'properties'");
        assertSchemaError("{\"type\": \"strin\"}", "#/type", "unknown type 'strin'");
        assertSchemaError("{\"anyOf\": [{}], \"type\": \"string\"}", "#", "'type' beside 'anyOf' is not supported");
        assertSchemaError("{\"allOf\": [{}, {}]}", "#/allOf", "exactly one schema");
        assertSchemaError("{\"type\": \"string\", \"minLength\": 3, \"maxLength\": 2}", "#", "no string fits");
        assertSchemaError("{\"type\": \"integer\", \"minimum\": 3, \"maximum\": 2}", "#", "no integer");
        assertSchemaError("{\"type\": \"string\", \"maxLength\": 1000000}", "#/maxLength", "too large");
        assertSchemaError("false", "#", "accepts nothing");
        assertSchemaError("[1]", "#", "must be an object or a boolean");
        assertSchemaError("{\"type\": ", "#", "not valid JSON: line 1, column");
        assertSchemaError("", "#", "the schema is empty");
    }

    private static void assertSchemaError(String schema, String location, String fragment) {
        JsonSchemaException e = assertThrows(JsonSchemaException.class, () -> Grammar.fromJsonSchema(schema), schema);
        assertEquals(location, e.location(), e::getMessage);
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
    }

    @Test
    void theGrammarIsReadableGbnf() {
        String gbnf = JsonSchemaConverter.toGbnf("{\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\"}}, \"required\": [\"name\"]}");
        assertTrue(gbnf.startsWith("root ::= "), gbnf);
        assertTrue(gbnf.contains("root-name-kv ::= \"\\\"name\\\"\" space \":\" space string"), gbnf);
        assertEquals(gbnf, Grammar.parse(gbnf).gbnf());
    }
}
