package dev.llmaccel.grammar;

import dev.llmaccel.grammar.Expr.Alt;
import dev.llmaccel.grammar.Expr.Chars;
import dev.llmaccel.grammar.Expr.Ref;
import dev.llmaccel.grammar.Expr.Repeat;
import dev.llmaccel.grammar.Expr.Rule;
import dev.llmaccel.grammar.Expr.Seq;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads llama.cpp's GBNF: rules {@code name ::= alternatives}, literals {@code "..."}, classes
 * {@code [a-z]} / {@code [^"]}, {@code .}, groups, {@code * + ? {m} {m,} {m,n}}, {@code #}
 * comments. A rule ends at a newline, except inside parentheses and after {@code |}. Errors name
 * the line and column (columns count code points).
 */
final class GbnfParser {
    /** Deepest nesting of parentheses accepted (deeper input is almost surely not a real grammar). */
    static final int MAX_NESTING = 200;
    /** Largest repetition bound: beyond it, expanding the repetition would take unreasonable memory. */
    static final int MAX_REPEAT = 100_000;

    private final int[] src;
    private int pos;

    private GbnfParser(String text) {
        this.src = text.codePoints().toArray();
    }

    /** The rules in the order they are defined. */
    static Map<String, Rule> parse(String text) {
        return new GbnfParser(text).grammar();
    }

    private Map<String, Rule> grammar() {
        Map<String, Rule> rules = new LinkedHashMap<>();
        skipSpace(true);
        while (pos < src.length) {
            Rule rule = rule();
            Rule previous = rules.putIfAbsent(rule.name(), rule);
            if (previous != null) {
                int[] at = lineColumn(src, previous.offset());
                throw error(rule.offset(), "rule '" + rule.name() + "' is already defined at line " + at[0]
                        + ", column " + at[1]);
            }
        }
        if (rules.isEmpty()) {
            throw new GrammarException("the grammar has no rules");
        }
        return rules;
    }

    private Rule rule() {
        int start = pos;
        String name = name("a rule name");
        skipSpace(false);
        if (!(peek(0) == ':' && peek(1) == ':' && peek(2) == '=')) {
            throw error(pos, "expected '::=' after the rule name '" + name + "'");
        }
        pos += 3;
        skipSpace(true);
        Expr body = alternatives(false, 0);
        if (peek(0) == '\r') {
            pos += peek(1) == '\n' ? 2 : 1;
        } else if (peek(0) == '\n') {
            pos++;
        } else if (pos < src.length) {
            throw error(pos, "unexpected " + describe(peek(0)) + " in rule '" + name + "'");
        }
        skipSpace(true);
        return new Rule(name, body, start);
    }

    private Expr alternatives(boolean nested, int depth) {
        List<Expr> options = new ArrayList<>();
        options.add(sequence(nested, depth));
        while (peek(0) == '|') {
            pos++;
            skipSpace(true);
            options.add(sequence(nested, depth));
        }
        return options.size() == 1 ? options.get(0) : new Alt(options);
    }

    private Expr sequence(boolean nested, int depth) {
        List<Expr> items = new ArrayList<>();
        while (pos < src.length) {
            int c = peek(0);
            int at = pos;
            if (c == '"') {
                items.add(literal());
            } else if (c == '[') {
                items.add(charClass());
            } else if (isNameChar(c)) {
                items.add(new Ref(name("a rule name"), at));
            } else if (c == '(') {
                if (depth >= MAX_NESTING) {
                    throw error(at, "parentheses nested more than " + MAX_NESTING + " deep");
                }
                pos++;
                skipSpace(true);
                Expr group = alternatives(true, depth + 1);
                if (peek(0) != ')') {
                    throw error(pos, pos < src.length ? "expected ')' to close the '(' at line " + lineColumn(src, at)[0]
                            + ", column " + lineColumn(src, at)[1] + ", got " + describe(peek(0))
                            : "the '(' at line " + lineColumn(src, at)[0] + ", column " + lineColumn(src, at)[1] + " is never closed");
                }
                pos++;
                items.add(group);
            } else if (c == '.') {
                pos++;
                items.add(new Chars(CodePointSet.ALL));
            } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                if (items.isEmpty()) {
                    throw error(at, "'" + Character.toString(c) + "' must follow something to repeat");
                }
                items.set(items.size() - 1, quantifier(items.get(items.size() - 1)));
            } else {
                break;
            }
            skipSpace(nested);
        }
        return items.size() == 1 ? items.get(0) : new Seq(items);
    }

    private Expr quantifier(Expr item) {
        int at = pos;
        int c = src[pos++];
        switch (c) {
            case '*':
                return new Repeat(item, 0, -1, at);
            case '+':
                return new Repeat(item, 1, -1, at);
            case '?':
                return new Repeat(item, 0, 1, at);
            default:
                break;
        }
        skipSpace(true);
        int min = count();
        skipSpace(true);
        int max;
        if (peek(0) == '}') {
            max = min;
        } else if (peek(0) == ',') {
            pos++;
            skipSpace(true);
            max = isDigit(peek(0)) ? count() : -1;
            skipSpace(true);
            if (peek(0) != '}') {
                throw error(pos, "expected '}' to close the repetition");
            }
        } else {
            throw error(pos, "expected ',' or '}' in the repetition");
        }
        pos++;
        if (max >= 0 && max < min) {
            throw error(at, "repetition {" + min + "," + max + "}: the maximum is below the minimum");
        }
        return new Repeat(item, min, max, at);
    }

    private int count() {
        int start = pos;
        long value = 0;
        while (isDigit(peek(0))) {
            value = Math.min(value * 10 + (src[pos++] - '0'), Integer.MAX_VALUE);
        }
        if (pos == start) {
            throw error(pos, "expected a number in the repetition");
        }
        if (value > MAX_REPEAT) {
            throw error(start, "repetition bound " + (value == Integer.MAX_VALUE ? ">= " + value : value)
                    + " is too large (at most " + MAX_REPEAT + ")");
        }
        return (int) value;
    }

    private Expr literal() {
        int open = pos++;
        List<Expr> chars = new ArrayList<>();
        while (peek(0) != '"') {
            if (pos >= src.length) {
                throw error(open, "the string is never closed");
            }
            chars.add(new Chars(CodePointSet.of(character())));
        }
        pos++;
        return chars.size() == 1 ? chars.get(0) : new Seq(chars);
    }

    private Expr charClass() {
        int open = pos++;
        boolean negated = peek(0) == '^';
        if (negated) {
            pos++;
        }
        List<Integer> pairs = new ArrayList<>();
        while (peek(0) != ']') {
            if (pos >= src.length) {
                throw error(open, "the character class is never closed");
            }
            int at = pos;
            int lo = character();
            int hi = lo;
            if (peek(0) == '-' && peek(1) != ']' && pos + 1 < src.length) {
                pos++;
                hi = character();
                if (hi < lo) {
                    throw error(at, "range " + Character.toString(lo) + "-" + Character.toString(hi) + " goes backwards");
                }
            }
            pairs.add(lo);
            pairs.add(hi);
        }
        pos++;
        if (pairs.isEmpty()) {
            throw error(open, "empty character class");
        }
        CodePointSet set = CodePointSet.ofRanges(pairs.stream().mapToInt(Integer::intValue).toArray());
        return new Chars(negated ? set.complement() : set);
    }

    /** One character of a literal or class, escapes resolved. */
    private int character() {
        int at = pos;
        int c = src[pos++];
        if (c != '\\') {
            return c;
        }
        if (pos >= src.length) {
            throw error(at, "'\\' at the end of the grammar");
        }
        int e = src[pos++];
        switch (e) {
            case 'x':
                return hex(at, 2);
            case 'u':
                return hex(at, 4);
            case 'U':
                return hex(at, 8);
            case 't':
                return '\t';
            case 'r':
                return '\r';
            case 'n':
                return '\n';
            case '\\':
            case '"':
            case '[':
            case ']':
                return e;
            default:
                throw error(at, "unknown escape '\\" + Character.toString(e) + "'");
        }
    }

    private int hex(int at, int digits) {
        long value = 0;
        for (int i = 0; i < digits; i++) {
            int d = pos < src.length ? hexDigit(src[pos]) : -1;
            if (d < 0) {
                throw error(at, "expected " + digits + " hex digits after '\\" + Character.toString(src[at + 1]) + "'");
            }
            value = value * 16 + d;
            pos++;
        }
        if (value > CodePointSet.MAX) {
            throw error(at, String.format("U+%X is beyond Unicode's last code point U+10FFFF", value));
        }
        return (int) value;
    }

    private String name(String what) {
        int start = pos;
        while (isNameChar(peek(0))) {
            pos++;
        }
        if (pos == start) {
            throw error(pos, pos < src.length ? "expected " + what + ", got " + describe(peek(0)) : "expected " + what);
        }
        return new String(src, start, pos - start);
    }

    /** Skips blanks and comments, and line breaks too when newlines is set. */
    private void skipSpace(boolean newlines) {
        while (pos < src.length) {
            int c = src[pos];
            if (c == '#') {
                while (pos < src.length && src[pos] != '\n' && src[pos] != '\r') {
                    pos++;
                }
            } else if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
                pos++;
            } else {
                return;
            }
        }
    }

    private int peek(int ahead) {
        return pos + ahead < src.length ? src[pos + ahead] : -1;
    }

    private static boolean isNameChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '-' || c == '_';
    }

    private static int hexDigit(int c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static String describe(int c) {
        if (c < 0) {
            return "the end of the grammar";
        }
        if (c == '\n' || c == '\r') {
            return "a line break";
        }
        return c < 0x20 || c == 0x7F ? String.format("U+%04X", c) : "'" + Character.toString(c) + "'";
    }

    private GrammarException error(int at, String message) {
        int[] lc = lineColumn(src, at);
        return new GrammarException(lc[0], lc[1], message);
    }

    /** Line and column (both from 1) of a code point offset. */
    static int[] lineColumn(int[] src, int offset) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < offset && i < src.length; i++) {
            if (src[i] == '\n' || (src[i] == '\r' && (i + 1 >= src.length || src[i + 1] != '\n'))) {
                line++;
                column = 1;
            } else if (src[i] != '\r') {
                column++;
            }
        }
        return new int[] {line, column};
    }
}
