package dev.llmaccel.grammar;

/**
 * A grammar too ambiguous to follow: the text so far can be parsed in more ways at once than the
 * matcher keeps (nested repetitions such as {@code .++} over a long text do this). It comes from
 * matching or masking, not from parsing, since it depends on the text; rewriting the grammar so that
 * each text has fewer parses (one repetition instead of nested ones) avoids it.
 */
public class GrammarAmbiguityException extends IllegalStateException {
    public GrammarAmbiguityException(String message) {
        super(message);
    }
}
