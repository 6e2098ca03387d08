package dev.llmaccel.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {
    @Test
    void textThatMayStartAStopStringIsHeldBack() {
        StopStrings s = new StopStrings(List.of("</end>", "STOP"));
        assertEquals("hello ", s.accept("hello </"));
        assertEquals("", s.accept("en"));
        assertEquals("</enx", s.accept("x"));  // not a stop string after all: released
        assertEquals("S", s.accept("SS"));     // "S" could still start STOP
        assertFalse(s.matched());
        assertEquals("STOab", s.accept("TOab"));  // the held "S" did not become STOP
        assertFalse(s.matched());
    }

    @Test
    void aStopStringAcrossPiecesEndsTheText() {
        StopStrings s = new StopStrings(List.of("</end>"));
        assertEquals("the ", s.accept("the </e"));
        assertEquals("", s.accept("nd"));
        assertEquals("", s.accept(">and more"));
        assertTrue(s.matched());
        assertEquals("", s.accept("ignored"));
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopStrings s = new StopStrings(List.of("cd", "b"));
        assertEquals("a", s.accept("abcd"));
        assertTrue(s.matched());
    }

    @Test
    void flushReleasesAPartialMatch() {
        StopStrings s = new StopStrings(List.of("###"));
        assertEquals("x", s.accept("x##"));
        assertEquals("##", s.flush());
        assertFalse(s.matched());
    }

    @Test
    void noStopStrings() {
        StopStrings s = new StopStrings(List.of());
        assertEquals("anything", s.accept("anything"));
        assertEquals("", s.flush());
    }
}
