package dev.llmaccel.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns an anchored JSON Schema {@code pattern} ({@code ^...$}, ECMA-262 syntax) into a GBNF
 * expression for the inside of a JSON string: each character the pattern matches is written as
 * JSON text ({@code "} as {@code \"}, control characters as escapes). Supported: literals,
 * {@code .}, classes with ranges and negation, {@code \d \D \w \W \s \S} and character escapes,
 * groups ({@code ( )}, {@code (?: )}, {@code (?<name> )}), {@code |}, {@code * + ? {m} {m,} {m,n}}
 * (lazy forms too, which match the same strings). Anything else (lookaround, backreferences,
 * word boundaries, anchors inside) is a {@link JsonSchemaException}.
 */
final class PatternConverter {
    /** What {@code .} matches: every character but the line terminators of ECMA-262 and of java.util.regex. */
    private static final CodePointSet DOT = CodePointSet.ofRanges('\n', '\n', '\r', '\r', 0x85, 0x85, 0x2028, 0x2029).complement();
    private static final CodePointSet DIGIT = CodePointSet.range('0', '9');
    private static final CodePointSet WORD = CodePointSet.ofRanges('0', '9', 'A', 'Z', '_', '_', 'a', 'z');
    /** The whitespace both ECMA-262 and java.util.regex agree on. */
    private static final CodePointSet SPACE = CodePointSet.ofRanges('\t', '\r', ' ', ' ');
    /** Characters JSON text can hold as they are; the others are written as escapes. */
    static final CodePointSet JSON_RAW = CodePointSet.ofRanges(0, 0x1F, '"', '"', '\\', '\\').complement();

    private final int[] src;
    private final String pattern;
    private final String where;
    private int pos;

    private PatternConverter(String pattern, String where) {
        this.pattern = pattern;
        this.src = pattern.codePoints().toArray();
        this.where = where;
    }

    /**
     * The GBNF expression of the JSON string contents (without the quotes) whose values pattern matches.
     *
     * @param where the schema location, for messages
     */
    static String toGbnf(String pattern, String where) {
        return new PatternConverter(pattern, where).convert();
    }

    private String convert() {
        if (src.length < 2 || src[0] != '^' || src[src.length - 1] != '$' || (src.length >= 3 && src[src.length - 2] == '\\')) {
            throw error("only anchored patterns (starting with ^ and ending with $) are supported");
        }
        pos = 1;
        String body = alternation(src.length - 1, 0);
        if (pos != src.length - 1) {
            throw error("unexpected '" + Character.toString(src[pos]) + "' at " + pos);
        }
        return body.isEmpty() ? "\"\"" : body;
    }

    private String alternation(int end, int depth) {
        if (depth > GbnfParser.MAX_NESTING) {
            throw error("groups nested too deep");
        }
        List<String> options = new ArrayList<>();
        options.add(sequence(end, depth));
        while (pos < end && src[pos] == '|') {
            pos++;
            options.add(sequence(end, depth));
        }
        if (options.size() == 1) {
            return options.get(0);
        }
        List<String> nonEmpty = new ArrayList<>();
        for (String o : options) {
            nonEmpty.add(o.isEmpty() ? "\"\"" : o);
        }
        return "(" + String.join(" | ", nonEmpty) + ")";
    }

    private String sequence(int end, int depth) {
        List<String> items = new ArrayList<>();
        while (pos < end && src[pos] != '|' && src[pos] != ')') {
            String atom = atom(end, depth);
            while (pos < end && isQuantifierStart()) {
                atom = "(" + atom + ")" + quantifier();
            }
            items.add(atom);
        }
        return String.join(" ", items);
    }

    private boolean isQuantifierStart() {
        int c = src[pos];
        return c == '*' || c == '+' || c == '?' || (c == '{' && braceQuantifierLength() > 0);
    }

    private String quantifier() {
        int c = src[pos];
        String q;
        if (c == '{') {
            int length = braceQuantifierLength();
            String inside = new String(src, pos + 1, length - 2);
            pos += length;
            String[] parts = inside.split(",", -1);
            long min = Long.parseLong(parts[0]);
            long max = parts.length == 1 ? min : parts[1].isEmpty() ? -1 : Long.parseLong(parts[1]);
            if (min > GbnfParser.MAX_REPEAT || max > GbnfParser.MAX_REPEAT) {
                throw error("repetition {" + inside + "} is too large (at most " + GbnfParser.MAX_REPEAT + ")");
            }
            if (max >= 0 && max < min) {
                throw error("repetition {" + inside + "}: the maximum is below the minimum");
            }
            q = "{" + inside + "}";
        } else {
            pos++;
            q = Character.toString(c);
        }
        if (pos < src.length - 1 && src[pos] == '?') {
            pos++;  // lazy: matches the same strings
        }
        return q;
    }

    /** The length of a {m}, {m,} or {m,n} at pos, 0 when the brace is a literal character. */
    private int braceQuantifierLength() {
        int i = pos + 1;
        int digits = 0;
        while (i < src.length && Character.isDigit(src[i]) && src[i] < 0x80) {
            i++;
            digits++;
        }
        if (digits == 0 || digits > 9) {
            return 0;
        }
        if (i < src.length && src[i] == ',') {
            i++;
            int more = 0;
            while (i < src.length && src[i] >= '0' && src[i] <= '9') {
                i++;
                more++;
            }
            if (more > 9) {
                return 0;
            }
        }
        return i < src.length && src[i] == '}' ? i + 1 - pos : 0;
    }

    private String atom(int end, int depth) {
        int c = src[pos];
        switch (c) {
            case '(': {
                int open = pos++;
                if (pos < end && src[pos] == '?') {
                    if (pos + 1 < end && src[pos + 1] == ':') {
                        pos += 2;
                    } else if (pos + 1 < end && src[pos + 1] == '<' && pos + 2 < end && src[pos + 2] != '=' && src[pos + 2] != '!') {
                        pos += 2;
                        while (pos < end && src[pos] != '>') {
                            pos++;
                        }
                        pos++;
                    } else {
                        throw error("lookaround and other (?...) groups are not supported (at " + open + ")");
                    }
                }
                String inner = alternation(end, depth + 1);
                if (pos >= end || src[pos] != ')') {
                    throw error("the group opened at " + open + " is never closed");
                }
                pos++;
                return inner.isEmpty() ? "\"\"" : "(" + inner + ")";
            }
            case '[':
                return chars(charClass(end));
            case '.':
                pos++;
                return chars(DOT);
            case '\\':
                return chars(escape(end, false));
            case '^':
            case '$':
                throw error("'" + Character.toString(c) + "' inside the pattern is not supported (only at its ends)");
            case ')':
                throw error("unbalanced ')' at " + pos);
            case '*':
            case '+':
            case '?':
                throw error("'" + Character.toString(c) + "' at " + pos + " has nothing to repeat");
            default:
                pos++;
                return chars(CodePointSet.of(c));
        }
    }

    private CodePointSet charClass(int end) {
        int open = pos++;
        boolean negated = pos < end && src[pos] == '^';
        if (negated) {
            pos++;
        }
        CodePointSet set = CodePointSet.EMPTY;
        while (pos < end && src[pos] != ']') {
            CodePointSet lo = classAtom(end);
            if (pos + 1 < end && src[pos] == '-' && src[pos + 1] != ']') {
                pos++;
                CodePointSet hi = classAtom(end);
                if (lo.rangeCount() != 1 || lo.lo(0) != lo.hi(0) || hi.rangeCount() != 1 || hi.lo(0) != hi.hi(0)) {
                    throw error("a class range needs a single character at each end (at " + open + ")");
                }
                if (hi.lo(0) < lo.lo(0)) {
                    throw error("class range out of order (at " + open + ")");
                }
                set = set.union(CodePointSet.range(lo.lo(0), hi.lo(0)));
            } else {
                set = set.union(lo);
            }
        }
        if (pos >= end) {
            throw error("the class opened at " + open + " is never closed");
        }
        pos++;
        return negated ? set.complement() : set;
    }

    private CodePointSet classAtom(int end) {
        if (src[pos] == '\\') {
            return escape(end, true);
        }
        return CodePointSet.of(src[pos++]);
    }

    private CodePointSet escape(int end, boolean inClass) {
        int at = pos++;
        if (pos >= end) {
            throw error("'\\' at the end of the pattern");
        }
        int e = src[pos++];
        switch (e) {
            case 'd':
                return DIGIT;
            case 'D':
                return DIGIT.complement();
            case 'w':
                return WORD;
            case 'W':
                return WORD.complement();
            case 's':
                return SPACE;
            case 'S':
                return SPACE.complement();
            case 'n':
                return CodePointSet.of('\n');
            case 'r':
                return CodePointSet.of('\r');
            case 't':
                return CodePointSet.of('\t');
            case 'f':
                return CodePointSet.of('\f');
            case 'v':
                return CodePointSet.of(0x0B);
            case '0':
                return CodePointSet.of(0);
            case 'b':
                if (inClass) {
                    return CodePointSet.of('\b');
                }
                throw error("word boundaries (\\b) are not supported");
            case 'x':
                return CodePointSet.of(hex(2, at));
            case 'u':
                return CodePointSet.of(hex(4, at));
            default:
                if (Character.isLetterOrDigit(e)) {
                    throw error("the escape \\" + Character.toString(e) + " is not supported (at " + at + ")");
                }
                return CodePointSet.of(e);
        }
    }

    private int hex(int digits, int at) {
        int value = 0;
        for (int i = 0; i < digits; i++) {
            int d = pos < src.length ? Character.digit(src[pos], 16) : -1;
            if (d < 0 || src[pos] >= 0x80) {
                throw error("expected " + digits + " hex digits after the escape at " + at);
            }
            value = value * 16 + d;
            pos++;
        }
        return value;
    }

    /** GBNF for one character of set, written as JSON string text. */
    static String chars(CodePointSet set) {
        List<String> options = new ArrayList<>();
        CodePointSet raw = set.intersect(JSON_RAW);
        if (!raw.isEmpty()) {
            options.add(JsonSchemaConverter.gbnfClass(raw));
        }
        for (int r = 0; r < set.rangeCount(); r++) {
            for (int c = set.lo(r); c <= Math.min(set.hi(r), 0x5C); c++) {
                if (!JSON_RAW.contains(c)) {
                    options.add(JsonSchemaConverter.gbnfLiteral(JsonSchemaConverter.jsonEscape(c)));
                }
            }
        }
        if (options.isEmpty()) {
            return "[^\\x00-\\U0010FFFF]";  // nothing matches
        }
        return options.size() == 1 ? options.get(0) : "(" + String.join(" | ", options) + ")";
    }

    private JsonSchemaException error(String message) {
        return new JsonSchemaException(where, "pattern \"" + pattern + "\": " + message);
    }
}
