package dev.llmaccel.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The matcher fed piece by piece: characters split across pieces, rejections, the cache's bound. */
class GrammarMatcherTest {
    @Test
    void aCharacterMaySplitAcrossPieces() {
        GrammarMatcher m = Grammar.parse("root ::= [é😀]+ \"!\"").matcher();
        byte[] smile = "😀".getBytes(StandardCharsets.UTF_8);
        for (byte b : smile) {
            assertFalse(m.canEnd());
            assertTrue(m.acceptBytes(new byte[] {b}));
        }
        byte[] e = "é".getBytes(StandardCharsets.UTF_8);
        assertTrue(m.acceptBytes(new byte[] {e[0]}));
        assertFalse(m.acceptBytes(new byte[] {'!'}), "a lead byte needs its continuation first");
        assertFalse(m.acceptBytes(new byte[] {(byte) 0xBF}), "a continuation byte of another character");
        assertTrue(m.acceptBytes(new byte[] {e[1], '!'}));
        assertTrue(m.canEnd());
        assertTrue(m.mustEnd());
    }

    @Test
    void invalidUtf8IsNeverAccepted() {
        GrammarMatcher m = Grammar.parse("root ::= .*").matcher();
        assertFalse(m.acceptBytes(new byte[] {(byte) 0x80}), "a lone continuation byte");
        assertFalse(m.acceptBytes(new byte[] {(byte) 0xC0, (byte) 0x80}), "an overlong form");
        assertFalse(m.acceptBytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}), "a surrogate");
        assertFalse(m.acceptBytes(new byte[] {(byte) 0xF5}), "beyond U+10FFFF");
        assertTrue(m.accept("any text, ünïcode 😀"));
        assertTrue(m.canEnd());
        assertFalse(m.mustEnd());
    }

    @Test
    void aRejectedPieceLeavesTheMatcherAsItWas() {
        GrammarMatcher m = Grammar.parse("root ::= \"ab\" \"cd\"").matcher();
        assertTrue(m.accept("a"));
        assertFalse(m.accept("bx"));
        assertTrue(m.accept("bc"));
        assertEquals(1, m.bytesToEnd());
        assertTrue(m.accept("d"));
        assertEquals(0, m.bytesToEnd());
        m.reset();
        assertEquals(4, m.bytesToEnd());
        assertTrue(m.accept("abcd"));
    }

    @Test
    void bytesToEndIsTheShortestCompletion() {
        GrammarMatcher m = Grammar.parse("root ::= \"<\" (\"long-way\" | \"ab\") [é]{2} \">\"").matcher();
        assertEquals(1 + 2 + 4 + 1, m.bytesToEnd());
        m.accept("<l");
        assertEquals(7 + 4 + 1, m.bytesToEnd());
    }

    @Test
    void theCacheStaysBoundedAndCorrectPastManyStates() {
        // every position is its own state: far more than the cache keeps
        int n = 3 * GrammarAutomaton.MAX_STATES;
        GrammarMatcher m = Grammar.parse("root ::= [0-9]{0," + n + "} \"!\"").matcher();
        for (int i = 0; i < n; i++) {
            assertTrue(m.accept(Integer.toString(i % 10)), () -> "digit rejected");
            assertTrue(m.automaton.stateCount() <= GrammarAutomaton.MAX_STATES + 2);
        }
        assertFalse(m.accept("0"), "one digit more than the bound");
        assertTrue(m.accept("!"));
        assertTrue(m.canEnd());
    }

    @Test
    void deepNestingKeepsSharedStacks() {
        GrammarMatcher m = Grammar.json().matcher();
        for (int i = 0; i < 5000; i++) {
            assertTrue(m.accept("["));
        }
        assertEquals(5000, m.bytesToEnd());
        for (int i = 0; i < 5000; i++) {
            assertTrue(m.accept("]"));
        }
        assertTrue(m.canEnd());
    }

    @Test
    void badArguments() {
        GrammarMatcher m = Grammar.json().matcher();
        assertThrows(NullPointerException.class, () -> m.accept(null));
        assertThrows(NullPointerException.class, () -> m.acceptBytes(null));
        assertThrows(IllegalArgumentException.class, () -> m.accept("\ud800"));
    }

    @Test
    void aGrammarTooAmbiguousToFollowIsItsOwnException() {
        // Found by GrammarFuzzTest: nested repetitions parse ten digits in more than 10,000 ways.
        Grammar nested = Grammar.parse("root ::= ...+++++++++...++++++++++");
        GrammarAmbiguityException e = assertThrows(GrammarAmbiguityException.class, () -> nested.matches("0123456789"));
        assertTrue(e.getMessage().contains("too ambiguous"), e.getMessage());
        assertTrue(Grammar.parse("root ::= ...+").matches("0123456789"));
    }
}
