package dev.llmaccel.grammar;

import java.util.Objects;

/**
 * A grammar in llama.cpp's GBNF that constrains generated text, compiled and ready to match.
 * Immutable and safe to share between threads; each sequence matches it with its own
 * {@link GrammarMatcher} or {@link TokenConstraint}.
 *
 * <pre>{@code
 * Grammar yesNo = Grammar.parse("root ::= (\"yes\" | \"no\") \".\"");
 * yesNo.matches("yes.");                                   // true
 * Grammar json = Grammar.json();                           // any JSON value
 * Grammar person = Grammar.fromJsonSchema("""
 *     {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}""");
 * GenerationOptions options = GenerationOptions.greedy(200).withGrammar(person);
 * }</pre>
 *
 * <p>The syntax is llama.cpp's: rules {@code name ::= ...} (names of letters, digits, {@code -}
 * and {@code _}), the text must match rule {@code root}; literals {@code "..."}, character classes
 * {@code [a-z0-9]} and {@code [^"\\]}, {@code .} for any character, grouping {@code ( )},
 * alternation {@code |}, repetition {@code * + ? {m} {m,} {m,n}}; escapes <code>\n \r \t \\ \"
 * \[ \] \xHH &#92;uHHHH \UHHHHHHHH</code>; comments from {@code #} to the end of the line. A rule ends at
 * the end of its line, except inside parentheses and after {@code |}. Grammars match Unicode code
 * points, compiled to their UTF-8 bytes so that a token may end in the middle of a character.
 */
public final class Grammar {
    private static final Grammar JSON = parse(JsonSchemaConverter.ANY_JSON_VALUE);

    private final String gbnf;
    private final CompiledGrammar compiled;

    private Grammar(String gbnf, CompiledGrammar compiled) {
        this.gbnf = gbnf;
        this.compiled = compiled;
    }

    /**
     * Parses and compiles a GBNF grammar whose start rule is {@code root}.
     *
     * @throws GrammarException naming the line and column of a syntax error, an undefined or
     *     twice-defined rule, left recursion, a repetition too large to expand (bounds above
     *     100000, or more than 4 million elements once expanded), or a root that can never finish
     */
    public static Grammar parse(String gbnf) {
        Objects.requireNonNull(gbnf, "gbnf");
        return new Grammar(gbnf, GrammarCompiler.compile(GbnfParser.parse(gbnf), "root", gbnf));
    }

    /** Any JSON value (object, array, string, number, true, false, null), with optional whitespace between tokens. */
    public static Grammar json() {
        return JSON;
    }

    /**
     * The grammar of the JSON documents a JSON Schema accepts; see {@link JsonSchemaConverter#toGbnf(String)}
     * for what is supported.
     *
     * @throws JsonSchemaException when the schema is not JSON, or uses a feature that is not supported (the message names it and where it is)
     */
    public static Grammar fromJsonSchema(String schema) {
        return parse(JsonSchemaConverter.toGbnf(schema));
    }

    /** The GBNF text this grammar was parsed from. */
    public String gbnf() {
        return gbnf;
    }

    /** A fresh matcher at the start of the grammar. */
    public GrammarMatcher matcher() {
        return new GrammarMatcher(compiled);
    }

    /**
     * Whether the whole of text is a string of the grammar.
     *
     * @throws GrammarAmbiguityException when the grammar parses the text in too many ways at once
     */
    public boolean matches(String text) {
        GrammarMatcher m = matcher();
        return m.accept(text) && m.canEnd();
    }

    CompiledGrammar compiled() {
        return compiled;
    }

    @Override
    public String toString() {
        return gbnf;
    }
}
