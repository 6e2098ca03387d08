package dev.llmaccel.grammar;

/**
 * A GBNF grammar that cannot be used: a syntax error, an undefined or twice-defined rule, left
 * recursion, a repetition too large to expand. The message starts with the line and column of the
 * offending place ("line 3, column 12: ...") when there is one.
 */
public class GrammarException extends IllegalArgumentException {
    private final int line;
    private final int column;

    /** An error at a place in the grammar's text; line and column count from 1. */
    public GrammarException(int line, int column, String message) {
        super("line " + line + ", column " + column + ": " + message);
        this.line = line;
        this.column = column;
    }

    /** An error about the grammar as a whole (no single place to name). */
    public GrammarException(String message) {
        super(message);
        this.line = 0;
        this.column = 0;
    }

    /** The line of the error, from 1; 0 when the error is not at one place. */
    public int line() {
        return line;
    }

    /** The column of the error (in code points), from 1; 0 when the error is not at one place. */
    public int column() {
        return column;
    }
}
