package dev.llmaccel.grammar;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the GBNF parser and the JSON Schema converter: any text either
 * compiles into a grammar whose matcher then runs over a few inputs (a GrammarAmbiguityException
 * being its one documented failure), or is refused with a GrammarException (JsonSchemaException for
 * a schema).
 */
class GrammarFuzzTest {
    private static final String[] INPUTS = {"", "a", "{\"k\": [1, 2.5, true, null]}", "héllo 🙂", "0123456789"};

    @FuzzTest(maxDuration = "10m")
    void parseGbnf(byte[] data) {
        Grammar grammar;
        try {
            grammar = Grammar.parse(new String(data, StandardCharsets.UTF_8));
        } catch (GrammarException refused) {
            return; // the only other outcome allowed
        }
        exercise(grammar);
    }

    @FuzzTest(maxDuration = "10m")
    void convertJsonSchema(byte[] data) {
        Grammar grammar;
        try {
            grammar = Grammar.fromJsonSchema(new String(data, StandardCharsets.UTF_8));
        } catch (JsonSchemaException | GrammarException refused) {
            return; // the only other outcome allowed
        }
        exercise(grammar);
    }

    private static void exercise(Grammar grammar) {
        for (String input : INPUTS) {
            try {
                grammar.matches(input);
                GrammarMatcher m = grammar.matcher();
                m.accept(input);
                m.canEnd();
                m.bytesToEnd();
            } catch (GrammarAmbiguityException documented) {
                // a grammar may parse a text in too many ways at once (nested repetitions)
            }
        }
    }
}
