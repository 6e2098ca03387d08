package dev.llmaccel.grammar;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Turns a JSON Schema into the GBNF grammar of the JSON documents it accepts, as llama.cpp's
 * json-schema-to-grammar does (written anew here, with stricter rules where that keeps every
 * output valid).
 *
 * <p>Supported: {@code type} (object, array, string, number, integer, boolean, null, or a list of
 * them), {@code properties} (in their order; required ones always, optional ones may be left out),
 * {@code required}, {@code additionalProperties} (false when absent, as in llama.cpp; true or a
 * schema allow more keys, which differ from the declared ones), {@code enum}, {@code const},
 * {@code items}, {@code minItems} / {@code maxItems}, {@code minLength} / {@code maxLength}
 * (counted in code points), {@code minimum} / {@code maximum} / {@code exclusiveMinimum} /
 * {@code exclusiveMaximum} on integers (and a lower bound of 0 on numbers), {@code anyOf} /
 * {@code oneOf} (as alternatives: the grammar cannot make them exclusive), {@code allOf} of one
 * schema, {@code $ref} to {@code #}, {@code #/$defs/...} or any local JSON pointer (recursion
 * included), string {@code format} date / time / date-time / uuid (dates are real calendar days),
 * and anchored {@code pattern}s ({@code ^...$}). Annotations (title, description, default,
 * examples, ...) are ignored. Any other constraining keyword is a {@link JsonSchemaException}
 * naming it, so a grammar never silently accepts what the schema forbids.
 *
 * <p>Output is compact-or-spaced JSON: between tokens the grammar allows nothing, a space, or a
 * newline with up to 20 blanks; numbers have at most 16 digits before and after the point and two
 * in the exponent; strings never hold escapes of UTF-16 surrogates.
 */
public final class JsonSchemaConverter {
    private static final int MAX_DEPTH = 200;
    /** Integers are written with at most 16 digits, so bounds beyond this are no bounds. */
    private static final long INTEGER_LIMIT = 9_999_999_999_999_999L;

    /** The rules every grammar may use, in the order they are written; each lists the rules it needs. */
    private static final Map<String, String> PRIMITIVES = new LinkedHashMap<>();
    private static final Map<String, List<String>> NEEDS = new HashMap<>();

    static {
        primitive("space", "| \" \" | \"\\n\" [ \\t]{0,20}");
        primitive("char", "[^\"\\\\\\x00-\\x1F] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" hex4)", "hex4");
        // four hex digits that are not a UTF-16 surrogate (D800-DFFF): every escape is one code point
        primitive("hex4", "[0-9a-cA-CeEfF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}");
        primitive("string", "\"\\\"\" char* \"\\\"\" space", "char", "space");
        primitive("integral-part", "\"0\" | [1-9] [0-9]{0,15}");
        primitive("fraction", "\".\" [0-9]{1,16}");
        primitive("exponent", "[eE] [-+]? [0-9]{1,2}");
        primitive("number", "\"-\"? integral-part fraction? exponent? space", "integral-part", "fraction", "exponent", "space");
        primitive("nonnegative-number", "integral-part fraction? exponent? space", "integral-part", "fraction", "exponent", "space");
        primitive("positive-number", "([1-9] [0-9]{0,15} fraction? | \"0.\" [0-9]{0,15} [1-9]) exponent? space", "fraction", "exponent", "space");
        primitive("integer", "\"-\"? integral-part space", "integral-part", "space");
        primitive("boolean", "(\"true\" | \"false\") space", "space");
        primitive("null", "\"null\" space", "space");
        primitive("value", "object | array | string | number | boolean | null", "object", "array", "string", "number", "boolean", "null");
        primitive("object", "\"{\" space (string \":\" space value (\",\" space string \":\" space value)*)? \"}\" space", "string", "value", "space");
        primitive("array", "\"[\" space (value (\",\" space value)*)? \"]\" space", "value", "space");
        primitive("key-char", "[^\"\\\\\\x00-\\x1F] | \"\\\\\" [\"\\\\/bfnrt]");
        // calendar dates: 30-day and 31-day months, February 29 only in leap years
        primitive("date", "[0-9]{4} \"-\" month-day | leap-year \"-02-29\"", "month-day", "leap-year");
        primitive("month-day", "(\"01\" | \"03\" | \"05\" | \"07\" | \"08\" | \"10\" | \"12\") \"-\" day31"
                + " | (\"04\" | \"06\" | \"09\" | \"11\") \"-\" day30 | \"02-\" day28", "day28", "day30", "day31");
        primitive("day28", "\"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8]");
        primitive("day30", "day28 | \"29\" | \"30\"", "day28");
        primitive("day31", "day30 | \"31\"", "day30");
        primitive("leap-year", "[0-9]{2} (\"0\" [48] | [2468] [048] | [13579] [26]) | (\"0\" [048] | [2468] [048] | [13579] [26]) \"00\"");
        // offsets within +-18:00, the range java.time (and so Java's validators) accept
        primitive("time", "([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] (\".\" [0-9]{1,9})?"
                + " (\"Z\" | [+-] ((\"0\" [0-9] | \"1\" [0-7]) \":\" [0-5] [0-9] | \"18:00\"))");
        primitive("date-time", "date \"T\" time", "date", "time");
        primitive("uuid", "[0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{12}");
    }

    /** The grammar of any JSON value, behind {@link Grammar#json()}. */
    static final String ANY_JSON_VALUE = anyJsonValue();

    private static final Set<String> UNSUPPORTED = Set.of("not", "if", "then", "else", "dependentSchemas",
            "dependentRequired", "dependencies", "patternProperties", "propertyNames", "unevaluatedProperties",
            "unevaluatedItems", "contains", "minContains", "maxContains", "multipleOf", "minProperties",
            "maxProperties", "prefixItems", "additionalItems", "$dynamicRef", "$recursiveRef", "contentSchema");
    private static final Set<String> FORMATS = Set.of("date", "time", "date-time", "uuid");
    /** The keywords this converter applies; UNSUPPORTED ones are errors, any other is an annotation or unknown and constrains nothing. */
    private static final Set<String> CONSTRAINING = Set.of("type", "properties", "required", "additionalProperties",
            "items", "minItems", "maxItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
            "exclusiveMinimum", "exclusiveMaximum", "enum", "const", "anyOf", "oneOf", "allOf", "$ref");

    private final JsonNode document;
    private final ObjectMapper mapper;
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>(PRIMITIVES.keySet());
    private final Set<String> primitivesUsed = new LinkedHashSet<>();
    private final Map<String, String> refRules = new HashMap<>();

    private JsonSchemaConverter(JsonNode document, ObjectMapper mapper) {
        this.document = document;
        this.mapper = mapper;
    }

    private static void primitive(String name, String body, String... needs) {
        PRIMITIVES.put(name, body);
        NEEDS.put(name, List.of(needs));
    }

    private static String anyJsonValue() {
        JsonSchemaConverter c = new JsonSchemaConverter(null, null);
        c.rules.put("root", c.primitive("value"));
        return c.render();
    }

    /**
     * The GBNF grammar (start rule {@code root}) of the JSON documents the schema accepts.
     *
     * @throws JsonSchemaException when schema is not JSON, is malformed, or uses a feature that is
     *     not supported; the message names where (a JSON pointer) and what
     */
    public static String toGbnf(String schema) {
        Objects.requireNonNull(schema, "schema");
        ObjectMapper mapper = new ObjectMapper();
        JsonNode document;
        try {
            document = mapper.readTree(schema);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String place = at != null ? "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": " : "";
            throw new JsonSchemaException("#", "the schema is not valid JSON: " + place + e.getOriginalMessage());
        }
        if (document == null || document.isMissingNode()) {
            throw new JsonSchemaException("#", "the schema is empty");
        }
        JsonSchemaConverter c = new JsonSchemaConverter(document, mapper);
        c.rules.put("root", "");
        c.names.add("root");
        c.refRules.put("#", "root");
        c.rules.put("root", c.visit(document, "root", "#", 0));
        return c.render();
    }

    private String render() {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> r : rules.entrySet()) {
            out.append(r.getKey()).append(" ::= ").append(r.getValue()).append('\n');
        }
        for (String p : PRIMITIVES.keySet()) {
            if (primitivesUsed.contains(p)) {
                out.append(p).append(" ::= ").append(PRIMITIVES.get(p)).append('\n');
            }
        }
        return out.toString();
    }

    /** Uses a primitive rule (and what it needs) and returns its name. */
    private String primitive(String name) {
        if (primitivesUsed.add(name)) {
            for (String n : NEEDS.get(name)) {
                primitive(n);
            }
        }
        return name;
    }

    /** Adds a rule under a fresh name made from preferred and returns the name. */
    private String rule(String preferred, String body) {
        String name = freshName(preferred);
        rules.put(name, body);
        return name;
    }

    private String freshName(String preferred) {
        String base = preferred.replaceAll("[^A-Za-z0-9-]+", "-");
        if (base.isEmpty()) {
            base = "rule";
        }
        String name = base;
        for (int i = 1; !names.add(name); i++) {
            name = base + "-" + i;
        }
        return name;
    }

    // ---- schemas ----------------------------------------------------------------------------------

    /** The GBNF expression for the values schema accepts. */
    private String visit(JsonNode schema, String name, String at, int depth) {
        if (depth > MAX_DEPTH) {
            throw new JsonSchemaException(at, "the schema nests more than " + MAX_DEPTH + " deep");
        }
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) {
                throw new JsonSchemaException(at, "the schema false accepts nothing");
            }
            return primitive("value");
        }
        if (!schema.isObject()) {
            throw new JsonSchemaException(at, "a schema must be an object or a boolean, got " + schema.getNodeType().name().toLowerCase());
        }
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String keyword = it.next();
            if (UNSUPPORTED.contains(keyword)) {
                throw new JsonSchemaException(at, "'" + keyword + "' is not supported");
            }
        }
        if (schema.path("uniqueItems").asBoolean(false)) {
            throw new JsonSchemaException(at, "'uniqueItems' is not supported");
        }
        if (schema.has("$ref")) {
            onlyWith(schema, at, "$ref");
            return ref(schema.get("$ref"), at, depth);
        }
        if (schema.has("const")) {
            onlyWith(schema, at, "const", "type", "enum");
            if (!ofType(schema.get("const"), schema.get("type"))) {
                throw new JsonSchemaException(at, "'const' is not of the schema's 'type': no value fits");
            }
            return literal(schema.get("const")) + " " + primitive("space");
        }
        if (schema.has("enum")) {
            onlyWith(schema, at, "enum", "type");
            JsonNode values = schema.get("enum");
            if (!values.isArray() || values.isEmpty()) {
                throw new JsonSchemaException(at + "/enum", "'enum' must be a non-empty array");
            }
            List<String> options = new ArrayList<>();
            for (JsonNode v : values) {
                if (ofType(v, schema.get("type"))) {
                    options.add(literal(v));
                }
            }
            if (options.isEmpty()) {
                throw new JsonSchemaException(at + "/enum", "no value of 'enum' is of the schema's 'type'");
            }
            return "(" + String.join(" | ", options) + ") " + primitive("space");
        }
        for (String combinator : List.of("anyOf", "oneOf")) {
            if (schema.has(combinator)) {
                onlyWith(schema, at, combinator);
                JsonNode subs = schema.get(combinator);
                if (!subs.isArray() || subs.isEmpty()) {
                    throw new JsonSchemaException(at + "/" + combinator, "'" + combinator + "' must be a non-empty array");
                }
                List<String> options = new ArrayList<>();
                for (int i = 0; i < subs.size(); i++) {
                    options.add(visit(subs.get(i), name + "-" + i, at + "/" + combinator + "/" + i, depth + 1));
                }
                return options.size() == 1 ? options.get(0) : rule(name, String.join(" | ", options));
            }
        }
        if (schema.has("allOf")) {
            onlyWith(schema, at, "allOf");
            JsonNode subs = schema.get("allOf");
            if (!subs.isArray() || subs.size() != 1) {
                throw new JsonSchemaException(at + "/allOf", "'allOf' is supported with exactly one schema");
            }
            return visit(subs.get(0), name, at + "/allOf/0", depth + 1);
        }
        JsonNode type = schema.get("type");
        if (type == null) {
            String inferred = inferType(schema);
            return inferred == null ? primitive("value") : typed(schema, inferred, name, at, depth);
        }
        if (type.isTextual()) {
            return typed(schema, type.textValue(), name, at, depth);
        }
        if (type.isArray() && !type.isEmpty()) {
            List<String> options = new ArrayList<>();
            for (JsonNode t : type) {
                if (!t.isTextual()) {
                    throw new JsonSchemaException(at + "/type", "'type' must be a string or an array of strings");
                }
                options.add(typed(schema, t.textValue(), name + "-" + t.textValue(), at, depth));
            }
            return options.size() == 1 ? options.get(0) : rule(name, String.join(" | ", options));
        }
        throw new JsonSchemaException(at + "/type", "'type' must be a string or a non-empty array of strings");
    }

    /** Whether a value has one of the types (a name or an array of names; null: any type). */
    private static boolean ofType(JsonNode value, JsonNode type) {
        if (type == null) {
            return true;
        }
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (ofType(value, t)) {
                    return true;
                }
            }
            return false;
        }
        switch (type.asText()) {
            case "object":
                return value.isObject();
            case "array":
                return value.isArray();
            case "string":
                return value.isTextual();
            case "number":
                return value.isNumber();
            case "integer":
                return value.isIntegralNumber() || (value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0);
            case "boolean":
                return value.isBoolean();
            case "null":
                return value.isNull();
            default:
                return false;
        }
    }

    /** A keyword that combines subschemas stands alone here: besides it only annotations (and the allowed others). */
    private static void onlyWith(JsonNode schema, String at, String keyword, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals(keyword) && !ok.contains(k) && CONSTRAINING.contains(k)) {
                throw new JsonSchemaException(at, "'" + k + "' beside '" + keyword + "' is not supported");
            }
        }
    }

    private static String inferType(JsonNode schema) {
        if (schema.has("properties") || schema.has("additionalProperties") || schema.has("required")) {
            return "object";
        }
        if (schema.has("items") || schema.has("minItems") || schema.has("maxItems")) {
            return "array";
        }
        if (schema.has("minLength") || schema.has("maxLength") || schema.has("pattern") || schema.has("format")) {
            return "string";
        }
        if (schema.has("minimum") || schema.has("maximum") || schema.has("exclusiveMinimum") || schema.has("exclusiveMaximum")) {
            return "number";
        }
        return null;
    }

    private String typed(JsonNode schema, String type, String name, String at, int depth) {
        switch (type) {
            case "object":
                return object(schema, name, at, depth);
            case "array":
                return array(schema, name, at, depth);
            case "string":
                return string(schema, name, at);
            case "number":
                return number(schema, at);
            case "integer":
                return integer(schema, name, at);
            case "boolean":
                return primitive("boolean");
            case "null":
                return primitive("null");
            default:
                throw new JsonSchemaException(at + "/type", "unknown type '" + type + "'");
        }
    }

    private String ref(JsonNode ref, String at, int depth) {
        if (!ref.isTextual()) {
            throw new JsonSchemaException(at + "/$ref", "'$ref' must be a string");
        }
        String target = ref.textValue();
        String known = refRules.get(target);
        if (known != null) {
            return known;
        }
        if (!target.startsWith("#")) {
            throw new JsonSchemaException(at + "/$ref", "only local references (#...) are supported, got '" + target + "'");
        }
        JsonNode resolved;
        try {
            resolved = document.at(JsonPointer.compile(target.substring(1)));
        } catch (IllegalArgumentException e) {
            throw new JsonSchemaException(at + "/$ref", "'" + target + "' is not a JSON pointer");
        }
        if (resolved.isMissingNode()) {
            throw new JsonSchemaException(at + "/$ref", "'" + target + "' points at nothing in the schema");
        }
        String last = target.substring(target.lastIndexOf('/') + 1);
        String name = freshName(last.isEmpty() ? "ref" : last);
        refRules.put(target, name);
        rules.put(name, "");  // reserved, so that recursion refers to it
        rules.put(name, visit(resolved, name, target, depth + 1));
        return name;
    }

    private String object(JsonNode schema, String name, String at, int depth) {
        JsonNode properties = schema.path("properties");
        if (!properties.isMissingNode() && !properties.isObject()) {
            throw new JsonSchemaException(at + "/properties", "'properties' must be an object");
        }
        Set<String> required = new LinkedHashSet<>();
        JsonNode req = schema.path("required");
        if (!req.isMissingNode()) {
            if (!req.isArray()) {
                throw new JsonSchemaException(at + "/required", "'required' must be an array of strings");
            }
            for (JsonNode r : req) {
                if (!r.isTextual()) {
                    throw new JsonSchemaException(at + "/required", "'required' must be an array of strings");
                }
                required.add(r.textValue());
                if (!properties.has(r.textValue())) {
                    throw new JsonSchemaException(at + "/required", "required property '" + r.textValue()
                            + "' is not among the 'properties' (not supported)");
                }
            }
        }
        String additional = null;
        JsonNode extra = schema.get("additionalProperties");
        if (extra != null && !(extra.isBoolean() && !extra.booleanValue())) {
            additional = extra.isBoolean() ? primitive("value")
                    : visit(extra, name + "-additional-value", at + "/additionalProperties", depth + 1);
        }
        List<String> kvs = new ArrayList<>();
        List<Boolean> isRequired = new ArrayList<>();
        List<String> declared = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            String key = p.getKey();
            String value = visit(p.getValue(), name + "-" + key, at + "/properties/" + pointerEscape(key), depth + 1);
            kvs.add(rule(name + "-" + key + "-kv", gbnfLiteral(jsonString(key)) + " " + primitive("space") + " \":\" space " + value));
            isRequired.add(required.contains(key));
            declared.add(key);
        }
        String extraKv = null;
        if (additional != null) {
            extraKv = rule(name + "-additional-kv", additionalKey(declared, name) + " \":\" space " + additional);
        }
        String members = head(kvs, isRequired, extraKv, 0);
        return rule(name, "\"{\" " + primitive("space") + " " + (members.isEmpty() ? "" : members + " ") + "\"}\" space");
    }

    /** Members from i on when none came before (so the first needs no comma). */
    private static String head(List<String> kvs, List<Boolean> required, String extra, int i) {
        if (i == kvs.size()) {
            return extra == null ? "" : "(" + extra + " (\",\" space " + extra + ")*)?";
        }
        String rest = tail(kvs, required, extra, i + 1);
        if (required.get(i)) {
            return (kvs.get(i) + " " + rest).strip();
        }
        String skip = head(kvs, required, extra, i + 1);
        return "(" + (kvs.get(i) + " " + rest).strip() + " | " + (skip.isEmpty() ? "\"\"" : skip) + ")";
    }

    /** Members from i on after one already came (so each starts with a comma). */
    private static String tail(List<String> kvs, List<Boolean> required, String extra, int i) {
        if (i == kvs.size()) {
            return extra == null ? "" : "(\",\" space " + extra + ")*";
        }
        String rest = tail(kvs, required, extra, i + 1);
        String member = "\",\" space " + kvs.get(i);
        return ((required.get(i) ? member : "(" + member + ")?") + " " + rest).strip();
    }

    /**
     * The key of an additional property: any JSON string but the declared names, so that no key
     * comes twice (a trie of the declared names, leaving it at any character it does not continue
     * with). Keys here use no \\u escapes, so each name has few spellings.
     */
    private String additionalKey(Collection<String> declared, String name) {
        if (declared.isEmpty()) {
            return primitive("string");
        }
        KeyTrie trie = new KeyTrie();
        for (String d : declared) {
            trie.add(d);
        }
        primitive("key-char");
        return rule(name + "-additional-key", "\"\\\"\" " + trie.gbnf() + " \"\\\"\" " + primitive("space"));
    }

    /** The declared names by code point, for {@link #additionalKey}. */
    private static final class KeyTrie {
        /** What an escape letter after a backslash stands for in a key. */
        private static final String ESCAPE_LETTERS = "\"\\/bfnrt";
        private static final String ESCAPED = "\"\\/\b\f\n\r\t";
        private final TreeMap<Integer, KeyTrie> children = new TreeMap<>();
        private boolean end;

        void add(String word) {
            KeyTrie t = this;
            for (int cp : word.codePoints().toArray()) {
                t = t.children.computeIfAbsent(cp, k -> new KeyTrie());
            }
            t.end = true;
        }

        String gbnf() {
            List<String> options = new ArrayList<>();
            CodePointSet taken = CodePointSet.EMPTY;
            for (Map.Entry<Integer, KeyTrie> c : children.entrySet()) {
                taken = taken.union(CodePointSet.of(c.getKey()));
                String spell = spellings(c.getKey());
                if (spell != null) {
                    options.add(spell + " " + c.getValue().gbnf());
                }
            }
            // leave the trie: a character no declared name continues with, then anything
            List<String> other = new ArrayList<>();
            CodePointSet raw = PatternConverter.JSON_RAW.minus(taken);
            if (!raw.isEmpty()) {
                other.add(gbnfClass(raw));
            }
            StringBuilder letters = new StringBuilder();
            for (int i = 0; i < ESCAPE_LETTERS.length(); i++) {
                if (!taken.contains(ESCAPED.charAt(i))) {
                    letters.append(ESCAPE_LETTERS.charAt(i));
                }
            }
            if (letters.length() > 0) {
                other.add("\"\\\\\" " + gbnfClass(CodePointSet.ofRanges(letters.chars().flatMap(c -> IntStream.of(c, c)).toArray())));
            }
            if (!other.isEmpty()) {
                options.add("(" + String.join(" | ", other) + ") key-char*");
            }
            if (!end) {
                options.add("\"\"");
            }
            return "(" + String.join(" | ", options) + ")";
        }

        /** The ways a key can write code point c, or null when it cannot. */
        private static String spellings(int c) {
            List<String> ways = new ArrayList<>();
            if (PatternConverter.JSON_RAW.contains(c)) {
                ways.add(gbnfLiteral(Character.toString(c)));
            }
            int e = ESCAPED.indexOf(c);
            if (c < 0x80 && e >= 0) {
                ways.add(gbnfLiteral("\\" + ESCAPE_LETTERS.charAt(e)));
            }
            return ways.isEmpty() ? null : ways.size() == 1 ? ways.get(0) : "(" + String.join(" | ", ways) + ")";
        }
    }

    private String array(JsonNode schema, String name, String at, int depth) {
        JsonNode items = schema.get("items");
        String item;
        if (items == null) {
            item = primitive("value");
        } else if (items.isArray()) {
            throw new JsonSchemaException(at + "/items", "'items' as an array (a tuple) is not supported");
        } else {
            item = visit(items, name + "-item", at + "/items", depth + 1);
        }
        int min = count(schema, "minItems", at, 0);
        int max = count(schema, "maxItems", at, -1);
        if (max >= 0 && max < min) {
            throw new JsonSchemaException(at, "maxItems " + max + " is below minItems " + min + ": no array fits");
        }
        primitive("space");
        String body;
        if (max == 0) {
            body = "\"[\" space \"]\" space";
        } else {
            String more = repetition("(\",\" space " + item + ")", Math.max(min - 1, 0), max < 0 ? -1 : max - 1);
            String list = (item + " " + more).strip();
            body = "\"[\" space " + (min == 0 ? "(" + list + ")?" : list) + " \"]\" space";
        }
        return rule(name, body);
    }

    private String string(JsonNode schema, String name, String at) {
        JsonNode format = schema.get("format");
        JsonNode pattern = schema.get("pattern");
        boolean lengths = schema.has("minLength") || schema.has("maxLength");
        primitive("space");
        if (format != null) {
            if (!format.isTextual() || !FORMATS.contains(format.textValue())) {
                throw new JsonSchemaException(at + "/format", "string format " + format + " is not supported (date, time, date-time and uuid are)");
            }
            if (pattern != null || lengths) {
                throw new JsonSchemaException(at, "'format' together with 'pattern', 'minLength' or 'maxLength' is not supported");
            }
            return "\"\\\"\" " + primitive(format.textValue()) + " \"\\\"\" space";
        }
        if (pattern != null) {
            if (!pattern.isTextual()) {
                throw new JsonSchemaException(at + "/pattern", "'pattern' must be a string");
            }
            if (lengths) {
                throw new JsonSchemaException(at, "'pattern' together with 'minLength' or 'maxLength' is not supported");
            }
            return rule(name, "\"\\\"\" " + PatternConverter.toGbnf(pattern.textValue(), at + "/pattern") + " \"\\\"\" space");
        }
        if (!lengths) {
            return primitive("string");
        }
        int min = count(schema, "minLength", at, 0);
        int max = count(schema, "maxLength", at, -1);
        if (max >= 0 && max < min) {
            throw new JsonSchemaException(at, "maxLength " + max + " is below minLength " + min + ": no string fits");
        }
        primitive("char");
        return rule(name, ("\"\\\"\" " + repetition("char", min, max) + " \"\\\"\" space").replace("  ", " "));
    }

    private String number(JsonNode schema, String at) {
        for (String k : List.of("maximum", "exclusiveMaximum")) {
            if (schema.has(k) && !(k.equals("exclusiveMaximum") && schema.get(k).isBoolean())) {
                throw new JsonSchemaException(at, "'" + k + "' on a number is not supported (it is on integers)");
            }
        }
        JsonNode exclusive = schema.get("exclusiveMinimum");
        boolean draft4Exclusive = exclusive != null && exclusive.isBoolean() && exclusive.booleanValue();
        if (schema.has("minimum") && exclusive != null && !exclusive.isBoolean()) {
            throw new JsonSchemaException(at, "'minimum' together with 'exclusiveMinimum' on a number is not supported");
        }
        JsonNode lower = schema.has("minimum") ? schema.get("minimum") : exclusive != null && !exclusive.isBoolean() ? exclusive : null;
        if (lower == null) {
            return primitive("number");
        }
        String keyword = schema.has("minimum") ? "minimum" : "exclusiveMinimum";
        if (decimal(schema, keyword, at).signum() != 0) {
            throw new JsonSchemaException(at + "/" + keyword, "'" + keyword + "' on a number is supported only as 0 (any value is on integers)");
        }
        return primitive(keyword.equals("minimum") && !draft4Exclusive ? "nonnegative-number" : "positive-number");
    }

    private String integer(JsonNode schema, String name, String at) {
        JsonNode exclusiveMin = schema.get("exclusiveMinimum");
        JsonNode exclusiveMax = schema.get("exclusiveMaximum");
        BigInteger lo = null;
        BigInteger hi = null;
        if (schema.has("minimum")) {
            BigDecimal m = decimal(schema, "minimum", at);
            // draft 4 writes an exclusive bound as exclusiveMinimum: true beside minimum
            lo = exclusiveMin != null && exclusiveMin.isBoolean() && exclusiveMin.booleanValue() ? floor(m).add(BigInteger.ONE) : ceiling(m);
        }
        if (exclusiveMin != null && !exclusiveMin.isBoolean()) {
            BigInteger e = floor(decimal(schema, "exclusiveMinimum", at)).add(BigInteger.ONE);
            lo = lo == null ? e : lo.max(e);
        }
        if (schema.has("maximum")) {
            BigDecimal m = decimal(schema, "maximum", at);
            hi = exclusiveMax != null && exclusiveMax.isBoolean() && exclusiveMax.booleanValue() ? ceiling(m).subtract(BigInteger.ONE) : floor(m);
        }
        if (exclusiveMax != null && !exclusiveMax.isBoolean()) {
            BigInteger e = ceiling(decimal(schema, "exclusiveMaximum", at)).subtract(BigInteger.ONE);
            hi = hi == null ? e : hi.min(e);
        }
        if (lo == null && hi == null) {
            return primitive("integer");
        }
        BigInteger limit = BigInteger.valueOf(INTEGER_LIMIT);
        if ((lo != null && lo.compareTo(limit) > 0) || (hi != null && hi.compareTo(limit.negate()) < 0)) {
            throw new JsonSchemaException(at, "the bounds leave no integer of at most 16 digits");
        }
        long a = lo == null ? -INTEGER_LIMIT : lo.max(limit.negate()).longValueExact();
        long b = hi == null ? INTEGER_LIMIT : hi.min(limit).longValueExact();
        if (a > b) {
            throw new JsonSchemaException(at, "no integer lies between the bounds");
        }
        List<String> options = new ArrayList<>();
        if (a < 0) {
            options.add("\"-\" " + nonNegative(b < 0 ? -b : 1, -a));
        }
        if (b >= 0) {
            options.add(nonNegative(Math.max(0, a), b));
        }
        return rule(name, (options.size() == 1 ? options.get(0) : "(" + String.join(" | ", options) + ")") + " " + primitive("space"));
    }

    private static BigDecimal decimal(JsonNode schema, String keyword, String at) {
        JsonNode n = schema.get(keyword);
        if (!n.isNumber()) {
            throw new JsonSchemaException(at + "/" + keyword, "'" + keyword + "' must be a number");
        }
        return n.decimalValue();
    }

    private static BigInteger floor(BigDecimal v) {
        return v.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
    }

    private static BigInteger ceiling(BigDecimal v) {
        return v.setScale(0, RoundingMode.CEILING).toBigIntegerExact();
    }

    /** The decimal numbers without leading zeros in [a, b], 0 <= a <= b. */
    private static String nonNegative(long a, long b) {
        List<String> options = new ArrayList<>();
        int from = Long.toString(a).length();
        int to = Long.toString(b).length();
        for (int length = from; length <= to; length++) {
            long lo = Math.max(a, length == 1 ? 0 : pow10(length - 1));
            long hi = Math.min(b, pow10(length) - 1);
            if (lo <= hi) {
                options.add(sameLength(Long.toString(lo), Long.toString(hi)));
            }
        }
        return options.size() == 1 ? options.get(0) : "(" + String.join(" | ", options) + ")";
    }

    /** The digit strings of x's length from x to y (x <= y); inner digits may be 0. */
    private static String sameLength(String x, String y) {
        if (x.equals(y)) {
            return "\"" + x + "\"";
        }
        int n = x.length();
        if (n == 1) {
            return "[" + x + "-" + y + "]";
        }
        if (x.charAt(0) == y.charAt(0)) {
            return "\"" + x.charAt(0) + "\" " + sameLength(x.substring(1), y.substring(1));
        }
        String xs = x.substring(1);
        String ys = y.substring(1);
        List<String> options = new ArrayList<>();
        char first = x.charAt(0);
        char last = y.charAt(0);
        if (!xs.chars().allMatch(c -> c == '0')) {
            options.add("\"" + first + "\" " + sameLength(xs, "9".repeat(n - 1)));
            first++;
        }
        String upper = null;
        if (!ys.chars().allMatch(c -> c == '9')) {
            upper = "\"" + last + "\" " + sameLength("0".repeat(n - 1), ys);
            last--;
        }
        if (first <= last) {
            options.add((first == last ? "\"" + first + "\"" : "[" + first + "-" + last + "]") + (n == 2 ? " [0-9]" : " [0-9]{" + (n - 1) + "}"));
        }
        if (upper != null) {
            options.add(upper);
        }
        return options.size() == 1 ? options.get(0) : "(" + String.join(" | ", options) + ")";
    }

    private static long pow10(int n) {
        long p = 1;
        for (int i = 0; i < n; i++) {
            p *= 10;
        }
        return p;
    }

    /** A non-negative integer keyword, or fallback when absent. */
    private static int count(JsonNode schema, String keyword, String at, int fallback) {
        JsonNode n = schema.get(keyword);
        if (n == null) {
            return fallback;
        }
        if (!n.isIntegralNumber() || n.asLong() < 0) {
            throw new JsonSchemaException(at + "/" + keyword, "'" + keyword + "' must be a non-negative integer");
        }
        if (n.asLong() > GbnfParser.MAX_REPEAT) {
            throw new JsonSchemaException(at + "/" + keyword, "'" + keyword + "' " + n.asLong() + " is too large (at most " + GbnfParser.MAX_REPEAT + ")");
        }
        return n.asInt();
    }

    /** item repeated min to max times (max -1: no limit), as GBNF; empty when it is zero times. */
    private static String repetition(String item, int min, int max) {
        if (max == 0) {
            return "";
        }
        if (max < 0) {
            return item + (min == 0 ? "*" : min == 1 ? "+" : "{" + min + ",}");
        }
        if (min == max) {
            return min == 1 ? item : item + "{" + min + "}";
        }
        return item + (min == 0 && max == 1 ? "?" : "{" + min + "," + max + "}");
    }

    // ---- text ---------------------------------------------------------------------------------

    /** The GBNF literal of a JSON value's compact text. */
    private String literal(JsonNode value) {
        try {
            return gbnfLiteral(mapper.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON value back", e);
        }
    }

    private String jsonString(String s) {
        try {
            return mapper.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON string", e);
        }
    }

    private static String pointerEscape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    /** A GBNF literal matching text exactly. */
    static String gbnfLiteral(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        out.append(String.format("\\x%02X", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.append('"').toString();
    }

    /** A GBNF class of exactly set's code points (every non-alphanumeric written as an escape). */
    static String gbnfClass(CodePointSet set) {
        StringBuilder out = new StringBuilder("[");
        for (int r = 0; r < set.rangeCount(); r++) {
            out.append(classChar(set.lo(r)));
            if (set.hi(r) != set.lo(r)) {
                out.append('-').append(classChar(set.hi(r)));
            }
        }
        return out.append(']').toString();
    }

    private static String classChar(int c) {
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            return Character.toString(c);
        }
        return c < 0x100 ? String.format("\\x%02X", c) : c < 0x10000 ? String.format("\\u%04X", c) : String.format("\\U%08X", c);
    }

    /** How JSON writes a character that cannot stand as it is in a string. */
    static String jsonEscape(int c) {
        switch (c) {
            case '"':
                return "\\\"";
            case '\\':
                return "\\\\";
            case '\b':
                return "\\b";
            case '\f':
                return "\\f";
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            default:
                return String.format("\\u%04x", c);
        }
    }
}
