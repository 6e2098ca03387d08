package dev.llmaccel.grammar;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * GBNF acceptance, construct by construct: strings each grammar must match and strings it must
 * not (the cases of llama.cpp's test-grammar-integration and more), and the errors bad grammars
 * give, with their line and column.
 */
class GrammarTest {
    /** Checks every string, reporting all mismatches together. */
    static void cases(String gbnf, List<String> matching, List<String> notMatching) {
        Grammar g = Grammar.parse(gbnf);
        List<Executable> checks = new ArrayList<>();
        for (String s : matching) {
            checks.add(() -> assertTrue(g.matches(s), () -> "should match: \"" + s + "\" with\n" + gbnf));
        }
        for (String s : notMatching) {
            checks.add(() -> assertFalse(g.matches(s), () -> "should not match: \"" + s + "\" with\n" + gbnf));
        }
        assertAll(checks);
    }

    @Test
    void literalsAndAlternatives() {
        cases("root ::= (\"yes\" | \"no\") \".\"", List.of("yes.", "no."), List.of("", "yes", "ye.", "yes..", "maybe."));
        cases("root ::= \"\"", List.of(""), List.of("a"));
        cases("root ::= \"a\" | \"\" ", List.of("a", ""), List.of("aa"));
    }

    @Test
    void rulesReferencingRules() {
        cases("""
                root ::= expr
                expr ::= term ("+" term)*
                term ::= number
                number ::= [0-9]+""",
                List.of("42", "1+2+3+4+5", "123+456"),
                List.of("+", "/ 3", "1+2+3+4+5+", "12a45", ""));
    }

    @Test
    void arithmeticExpressions() {
        cases("""
                    root ::= expression
                    expression ::= term ws (("+"|"-") ws term)*
                    term ::= factor ws (("*"|"/") ws factor)*
                    factor ::= number | variable | "(" expression ")" | function-call
                    number ::= [0-9]+
                    variable ::= [a-zA-Z_][a-zA-Z0-9_]*
                    function-call ::= variable ws "(" (expression ("," ws expression)*)? ")"
                    ws ::= [ \\t\\n\\r]?""",
                List.of("42", "1*2*3*4*5", "x", "x+10", "x1+y2", "(a+b)*(c-d)", "func()", "func(x,y+2)",
                        "a*(b+c)-d/e", "f(g(x),h(y,z))", "x + 10", "x1 + y2", "(a + b) * (c - d)",
                        "func(x, y + 2)", "a * (b + c) - d / e", "f(g(x), h(y, z))", "123+456",
                        "123*456*789-123/456+789*123-456/789+123*456-789/123+456*789-123/456+789*123-456"),
                List.of("+", "/ 3x", "x + + y", "a * / b", "func(,)", "func(x y)", "(a + b", "x + y)",
                        "a + b * (c - d", "42 +", "x +", "x + 10 +", "(a + b) * (c - d", "func(", "func(x, y + 2",
                        "a * (b + c) - d /", "f(g(x), h(y, z)"));
    }

    @Test
    void anyCharacterCountsCodePointsNotBytes() {
        cases("root ::= ... \"abc\" ...",
                List.of("abcabcabc", "aaaabcccc", "🔵🟠✅abc❌🟠🔵"),
                List.of("aaabcccc", "aaaaabcccc", "aaaabccc", "aaaabccccc", "🔵🟠✅❌abc❌✅🟠🔵", "🔵🟠abc🟠🔵"));
    }

    @Test
    void characterClassesRangesAndNegation() {
        cases("root ::= [a-c0-9_] [^\\n\"]", List.of("a!", "5é", "_😀", "c "), List.of("d!", "a\n", "a\"", "a", "ab!"));
        cases("root ::= [ぁ-ゟ]+ [^a-z]", List.of("ぁぁB", "ゟ😀"), List.of("ぁa", "aぁ", "ぁ"));
        cases("root ::= [-a] [a-]", List.of("--", "aa", "-a"), List.of("b-", "ab-"));
        cases("root ::= [\\]\\[\\\\]+", List.of("]", "[]\\"), List.of("a", ""));
    }

    @Test
    void escapesInLiteralsAndClasses() {
        cases("root ::= \"\\x41\\u00e9\\U0001F600\\t\\n\\r\\\\\\\"\"", List.of("Aé😀\t\n\r\\\""), List.of("Aé😀"));
        cases("root ::= [\\x00-\\x1F]", List.of("\u0001", "\u001f"), List.of(" "));
    }

    @Test
    void quantifiers() {
        cases("root ::= \"a\"*", List.of("", "a", "aaaaa", "aaaaaaaaaaaaaaaaaa"), List.of("b", "ab", "aab", "ba"));
        cases("root ::= \"a\"+", List.of("a", "aaaaa", "aaaaaaaaaa"), List.of("", "b", "ab", "ba"));
        cases("root ::= \"a\"?", List.of("", "a"), List.of("b", "ab", "aa", "ba"));
        cases("root ::= \"a\"* \"b\"+ \"c\"?",
                List.of("b", "ab", "aab", "bbbbbb", "bc", "abc", "aabbc"),
                List.of("", "a", "aa", "c", "ba", "abcc", "acb"));
        cases("""
                root ::= cons+ vowel* cons? (vowel cons)*
                vowel ::= [aeiouy]
                cons ::= [bcdfghjklmnpqrstvwxyz]
                """,
                List.of("yes", "no", "noyes", "crwth", "four", "bryyyy"),
                List.of("yess", "yesno", "forty", "catyyy"));
        cases("root ::= \"ab\"+ \"c\"", List.of("abc", "ababc"), List.of("aabc", "abac", "c"));
    }

    @Test
    void boundedRepetitions() {
        cases("root ::= [ab]{4}", List.of("aaaa", "bbbb", "abab"), List.of("a", "b", "aaaaa"));
        cases("root ::= [ab]{4,}", List.of("aaaa", "aaaaab", "bbbbbbbbbbbbbbbbbbbbbbbb"), List.of("", "aba"));
        cases("root ::= [ab]{0,4}", List.of("", "a", "aa", "aaa", "aaab"), List.of("aaaba", "aaaab", "c"));
        cases("root ::= (\"0x\" [A-F0-9]{2} \" \"?){3,5}",
                List.of("0xFF 0x12 0xAB", "0xFF 0x12 0xAB 0x00 0x00"),
                List.of("", "0xFF", "0xFF 0x12", "0xFF 0x12 0xAB 0x00 0x00 0x00"));
        cases("root ::= [a]{0}", List.of(""), List.of("a"));
        cases("root ::= (\"x\"{2}){2,3}", List.of("xxxx", "xxxxxx"), List.of("xx", "xxxxx", "xxxxxxxx"));
        cases("root ::= \"a\"{100000}", List.of("a".repeat(100000)), List.of("a".repeat(99999)));
    }

    @Test
    void quantifiersOnGroupsAndRulesAndStacked() {
        cases("""
                root ::= item{2,3} ("-" | "+")?
                item ::= "<" [0-9]+ ">"
                """,
                List.of("<1><2>", "<12><3><456>+", "<0><0>-"),
                List.of("<1>", "<1><2><3><4>", "<><1>", "<1><2>*"));
        cases("root ::= (\"a\" | \"bc\")* \"!\"", List.of("!", "abcbca!", "bcbc!"), List.of("b!", "abc", "!!"));
        cases("root ::= \"a\"+?", List.of("", "a", "aaa"), List.of("b"));
    }

    @Test
    void commentsNewlinesAndLayout() {
        cases("""
                # a comment on its own line
                root ::= greeting name   # trailing comment
                greeting ::=
                    "hi " |
                    "hello "
                name ::= (
                    "ann"   # inside parentheses rules may span lines
                  | "bob"
                )
                """,
                List.of("hi ann", "hello bob"), List.of("hi", "hey ann", "hi carl"));
        cases("root ::= \"a\"\r\nother ::= \"b\"\r\n", List.of("a"), List.of("b"));
    }

    @Test
    void rightRecursionIsFineAndDeepNestingMatches() {
        cases("root ::= \"(\" root \")\" | \"x\"", List.of("x", "((x))", "(".repeat(300) + "x" + ")".repeat(300)),
                List.of("(x", "x)", "(())"));
        cases("root ::= \"a\" root | \"\"", List.of("", "aaaa"), List.of("b"));
    }

    @Test
    void ambiguityIsExploredInParallel() {
        // both alternatives share long prefixes; the matcher keeps every parse stack alive
        cases("root ::= \"a\"* \"a\" \"b\" | \"a\"+ \"c\"", List.of("ab", "aaab", "ac", "aaaac"), List.of("a", "b", "abc"));
    }

    @Test
    void jsonGrammarMatchesJsonValues() {
        Grammar json = Grammar.json();
        List<String> valid = List.of("{}", "[]", "0", "-0.5e10", "\"\"", "true", "null", "[1, 2,\n  3]",
                "{\"a\": {\"b\": [\"c\", false, null, -12.25E-3]}}", "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9\"",
                "\"日本語 😀\"", "{\"k\":1} ", "{\"k\":1}\n\t  ");
        List<String> invalid = List.of("", "{", "[1,]", "{\"a\" 1}", "01", "1.", ".5", "+1", "\"\\x\"", "'a'",
                "\"tab\there\"", "\"\\ud83d\\ude00\"", "tru", "nul", "{\"a\":1,}", "\"unterminated", "{\"k\":1}  ");
        cases(json.gbnf(), valid, invalid);
    }

    @Test
    void errorsNameTheLineAndColumn() {
        assertError("root ::= \"a\"\nb ::= [z-a]", 2, 8, "range z-a goes backwards");
        assertError("root ::= x", 1, 10, "undefined rule 'x'");
        assertError("root ::= \"a\"\nroot ::= \"b\"", 2, 1, "rule 'root' is already defined at line 1, column 1");
        assertError("root ::= \"abc", 1, 10, "the string is never closed");
        assertError("root ::= [abc", 1, 10, "the character class is never closed");
        assertError("root ::= (\"a\" | \"b\"", 1, 20, "is never closed");
        assertError("root ::= \"a\" )", 1, 14, "unexpected ')'");
        assertError("root := \"a\"", 1, 6, "expected '::='");
        assertError("root ::= *", 1, 10, "'*' must follow something to repeat");
        assertError("root ::= \"a\"{3,2}", 1, 13, "the maximum is below the minimum");
        assertError("root ::= \"a\"{2", 1, 15, "expected ',' or '}'");
        assertError("root ::= \"\\q\"", 1, 11, "unknown escape '\\q'");
        assertError("root ::= \"\\x4\"", 1, 11, "expected 2 hex digits");
        assertError("root ::= \"\\U00110000\"", 1, 11, "beyond Unicode");
        assertError("root ::= []", 1, 10, "empty character class");
        assertError("root ::= \"a\"\n  \"b\"", 2, 3, "expected a rule name");
        assertError("\n\n   ::= \"a\"", 3, 4, "expected a rule name");
        GrammarException none = assertThrows(GrammarException.class, () -> Grammar.parse("  # nothing\n"));
        assertEquals(0, none.line());
        GrammarException noRoot = assertThrows(GrammarException.class, () -> Grammar.parse("rot ::= \"a\""));
        assertTrue(noRoot.getMessage().contains("no rule 'root'"), noRoot.getMessage());
    }

    @Test
    void leftRecursionIsAnErrorNotAHang() {
        assertError("root ::= \"a\" | root \"a\"", 1, 1, "left recursion: root -> root");
        assertError("root ::= asdf\nasdf ::= \"a\" | asdf \"a\"", 2, 1, "left recursion: asdf -> asdf");
        assertError("root ::= asdf\nasdf ::= \"a\" | foo \"b\"\nfoo ::= \"c\" | asdf \"d\" | \"e\"", 2, 1, "left recursion: asdf -> foo -> asdf");
        assertError("root ::= asdf\nasdf ::= \"a\" | foo \"b\"\nfoo ::= \"c\" | empty asdf \"d\" | \"e\"\nempty ::= \"blah\" | ",
                2, 1, "left recursion: asdf -> foo -> asdf");
        assertError("root ::= (\"a\"?)* \"b\"", 1, 16, "repeats something that can match the empty string");
    }

    @Test
    void hugeRepetitionIsAnErrorNotAHang() {
        assertError("root ::= \"a\"{100001}", 1, 14, "repetition bound 100001 is too large");
        assertError("root ::= \"a\"{0,99999999999999999999}", 1, 16, "is too large");
        // nested repetitions share their units, so they grow by addition; many in one rule still add up
        assertTrue(Grammar.parse("root ::= ((\"a\"{1000}){1000}){1000}").gbnf().length() > 0);
        GrammarException grown = assertThrows(GrammarException.class,
                () -> Grammar.parse("root ::= " + "\"a\"{100000} ".repeat(41)));
        assertTrue(grown.getMessage().contains("grows beyond"), grown.getMessage());
    }

    @Test
    void aRootThatCanNeverFinishIsAnError() {
        assertError("root ::= \"a\" root", 1, 1, "can never finish");
    }

    private static void assertError(String gbnf, int line, int column, String fragment) {
        GrammarException e = assertThrows(GrammarException.class, () -> Grammar.parse(gbnf), gbnf);
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
        assertEquals(line, e.line(), e::getMessage);
        assertEquals(column, e.column(), e::getMessage);
        assertTrue(e.getMessage().startsWith("line " + line + ", column " + column + ": "), e.getMessage());
    }

    @Test
    void nullIsRefused() {
        assertThrows(NullPointerException.class, () -> Grammar.parse(null));
        assertThrows(NullPointerException.class, () -> Grammar.json().matches(null));
        assertThrows(IllegalArgumentException.class, () -> Grammar.json().matches("\"\ud800\""));
    }
}
