package dev.llmaccel.grammar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Masking over a vocabulary: the trie walk against checking every token on its own with a fresh
 * matcher, end and empty tokens, the token limit's steering, bad arguments.
 */
class TokenConstraintTest {
    /**
     * Random tokens of 1 to 6 bytes drawn from JSON-ish text (so some pieces split a UTF-8
     * character, and some are not UTF-8 at all), all 256 single bytes, an empty token and an end
     * token (the last id).
     */
    static TokenVocabulary randomVocabulary(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] text = "{\"key\": [1, -2.5e3, true, null, \"é😀 日本\\n\\u00e9\"], \"x\":{}} \n\t".getBytes(StandardCharsets.UTF_8);
        List<byte[]> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
        }
        tokens.add(new byte[0]);
        while (tokens.size() < size - 1) {
            int from = r.nextInt(text.length);
            int length = 1 + r.nextInt(Math.min(6, text.length - from));
            byte[] t = new byte[length];
            System.arraycopy(text, from, t, 0, length);
            tokens.add(t);
        }
        tokens.add("<end>".getBytes(StandardCharsets.UTF_8));
        BitSet ends = new BitSet();
        ends.set(size - 1);
        return TokenVocabulary.of(tokens, ends);
    }

    @Test
    void theMaskIsExactlyTheTokensAFreshMatcherAccepts() {
        TokenVocabulary v = randomVocabulary(1200, 1);
        Grammar g = Grammar.json();
        SplittableRandom r = new SplittableRandom(2);
        for (int run = 0; run < 5; run++) {
            TokenConstraint c = new TokenConstraint(g, v);
            ByteArrayOutputStream so = new ByteArrayOutputStream();
            for (int step = 0; step < 30 && !c.mustEnd(); step++) {
                BitSet mask = c.allowedTokens();
                byte[] sofar = so.toByteArray();
                for (int t = 0; t < v.size(); t++) {
                    boolean expected;
                    if (v.isEnd(t)) {
                        GrammarMatcher m = g.matcher();
                        expected = m.acceptBytes(sofar) && m.canEnd();
                    } else {
                        GrammarMatcher m = g.matcher();
                        expected = v.bytes(t).length > 0 && m.acceptBytes(sofar) && m.acceptBytes(v.bytes(t));
                    }
                    int token = t;
                    assertEquals(expected, mask.get(t), () -> "token " + token + " after '" + new String(sofar, StandardCharsets.UTF_8) + "'");
                    assertEquals(expected, c.allows(t), () -> "allows(" + token + ")");
                }
                int pick = pick(mask, r);
                if (v.isEnd(pick)) {
                    break;
                }
                c.accept(pick);
                so.writeBytes(v.bytes(pick));
            }
        }
    }

    @Test
    void maskSetsMinusInfinityOnEveryRejectedTokenAndBeyondTheVocabulary() {
        TokenVocabulary v = randomVocabulary(500, 3);
        TokenConstraint c = new TokenConstraint(Grammar.parse("root ::= \"{\" [a-z]* \"}\""), v);
        float[] logits = new float[v.size() + 7];
        java.util.Arrays.fill(logits, 1.5f);
        c.mask(logits);
        BitSet allowed = c.allowedTokens();
        for (int t = 0; t < logits.length; t++) {
            float expected = t < v.size() && allowed.get(t) ? 1.5f : Float.NEGATIVE_INFINITY;
            assertEquals(expected, logits[t], "token " + t);
        }
        assertTrue(allowed.get('{'));
        assertFalse(allowed.get('}'));
        assertFalse(allowed.get(256), "the empty token");
        assertFalse(allowed.get(v.size() - 1), "the end token before the grammar can end");
        c.accept('{');
        c.accept('}');
        assertTrue(c.allows(v.size() - 1), "the end token once it can");
        assertTrue(c.mustEnd());
        assertEquals(List.of(v.size() - 1), c.allowedTokens().stream().boxed().toList());
        c.accept(v.size() - 1);
        assertFalse(c.allows('a'));
        assertTrue(c.mustEnd());
        assertThrows(IllegalStateException.class, () -> c.accept('a'));
        c.reset();
        assertTrue(c.allows('{'));
        assertEquals(0, c.acceptedTokens());
    }

    /** With a limit, uniformly random allowed tokens still always finish the grammar in time. */
    @Test
    void aTokenLimitSteersEveryRunToAnEnd() {
        TokenVocabulary v = randomVocabulary(1000, 4);
        Grammar g = Grammar.fromJsonSchema("{\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\":"
                + " {\"k\": {\"type\": \"string\"}}, \"required\": [\"k\"]}}");
        for (int limit : new int[] {12, 20, 60}) {
            for (long seed = 0; seed < 100; seed++) {
                SplittableRandom r = new SplittableRandom(seed);
                TokenConstraint c = new TokenConstraint(g, v, limit);
                GrammarMatcher check = g.matcher();
                boolean ended = false;
                while (c.acceptedTokens() < limit && !c.mustEnd()) {
                    int t = pick(c.allowedTokens(), r);
                    c.accept(t);
                    if (v.isEnd(t)) {
                        ended = true;
                        break;
                    }
                    assertTrue(check.acceptBytes(v.bytes(t)));
                }
                long s = seed;
                assertTrue(ended || check.canEnd(), () -> "seed " + s + " limit " + limit + " did not finish");
            }
        }
    }

    @Test
    void aVocabularyThatCannotSpellTheGrammarIsAClearError() {
        List<byte[]> tokens = List.of("a".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8));
        TokenConstraint c = new TokenConstraint(Grammar.parse("root ::= \"x\""), TokenVocabulary.of(tokens, new BitSet()));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.mask(new float[2]));
        assertTrue(e.getMessage().contains("no token"), e.getMessage());
    }

    @Test
    void theTrieHoldsEveryTokenOnce() {
        TokenVocabulary v = randomVocabulary(1000, 5);
        TokenConstraint c = new TokenConstraint(Grammar.parse("root ::= [\\x00-\\U0010FFFF]*"), v);
        BitSet all = c.allowedTokens();
        // everything that is valid UTF-8 on its own, or a prefix of it, is allowed; the end token too
        for (int t = 0; t < v.size(); t++) {
            GrammarMatcher m = Grammar.parse("root ::= [\\x00-\\U0010FFFF]*").matcher();
            boolean ok = v.isEnd(t) || (v.bytes(t).length > 0 && m.acceptBytes(v.bytes(t)));
            assertEquals(ok, all.get(t), "token " + t);
        }
        assertArrayEquals(new byte[] {'a'}, v.bytes('a'));
    }

    @Test
    void badArguments() {
        TokenVocabulary v = randomVocabulary(300, 6);
        Grammar g = Grammar.json();
        assertThrows(NullPointerException.class, () -> new TokenConstraint(null, v));
        assertThrows(NullPointerException.class, () -> new TokenConstraint(g, null));
        assertThrows(IllegalArgumentException.class, () -> new TokenConstraint(g, v, -2));
        TokenConstraint c = new TokenConstraint(g, v);
        assertThrows(IllegalArgumentException.class, () -> c.allows(-1));
        assertFalse(c.allows(v.size()));
        assertThrows(IllegalArgumentException.class, () -> c.accept(v.size()));
        assertThrows(IllegalArgumentException.class, () -> c.accept('}'));
        assertTrue(c.allows('['), "unchanged by the rejected accept");
        assertThrows(IllegalArgumentException.class, () -> c.mask(new float[v.size() - 1]));
        assertThrows(NullPointerException.class, () -> c.mask(null));
        assertThrows(IllegalArgumentException.class, () -> TokenVocabulary.of(List.of(), new BitSet()));
        BitSet outside = new BitSet();
        outside.set(5);
        assertThrows(IllegalArgumentException.class, () -> TokenVocabulary.of(List.of(new byte[] {1}), outside));
    }

    private static int pick(BitSet allowed, SplittableRandom r) {
        int n = allowed.cardinality();
        int k = r.nextInt(n);
        int t = allowed.nextSetBit(0);
        for (int i = 0; i < k; i++) {
            t = allowed.nextSetBit(t + 1);
        }
        return t;
    }
}
