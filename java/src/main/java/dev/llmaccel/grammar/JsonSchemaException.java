package dev.llmaccel.grammar;

/**
 * A JSON Schema that cannot be turned into a grammar: it is not JSON, it is malformed, or it uses
 * a feature that is not supported. The message names the place in the schema (a JSON pointer such
 * as {@code #/properties/tags}) and the feature.
 */
public class JsonSchemaException extends IllegalArgumentException {
    private final String location;

    public JsonSchemaException(String location, String message) {
        super(location + ": " + message);
        this.location = location;
    }

    /** Where in the schema the problem is, as a JSON pointer fragment ({@code #} for the root). */
    public String location() {
        return location;
    }
}
