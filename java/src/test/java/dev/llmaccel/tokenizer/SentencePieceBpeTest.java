package dev.llmaccel.tokenizer;

import static dev.llmaccel.tokenizer.HandBuiltVocabularies.SPM_FIRST_PIECE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SentencePieceBpeTest {
    /** Pieces after the fixed entries, in id order: ▁ h e l o ll he ▁h llo hello w ▁w. */
    private static final Object[] PIECES = {
        "\u2581", -10, "h", -10, "e", -10, "l", -10, "o", -10,
        "ll", -1, "he", -2, "\u2581h", -3, "llo", -4, "hello", -5, "w", -10, "\u2581w", -6,
    };
    private static final int SPACE = SPM_FIRST_PIECE;
    private static final int H = SPM_FIRST_PIECE + 1;
    private static final int HELLO = SPM_FIRST_PIECE + 9;
    private static final int W = SPM_FIRST_PIECE + 10;
    private static final int SPACE_W = SPM_FIRST_PIECE + 11;
    private static final int USER = SPM_FIRST_PIECE + 12;
    private static final int END = SPM_FIRST_PIECE + 13;

    private final Tokenizer tokenizer = HandBuiltVocabularies.sentencePiece(true, PIECES);

    @Test
    void mergesBestScoreFirstAndSkipsStalePairs() {
        // ▁ h e l l o: "ll" (-1) first, then "he" (-2); "▁h" (-3) is stale because h is gone,
        // then "llo" (-4) and "hello" (-5). "▁hello" is not a token, so ▁ stays alone.
        assertArrayEquals(new int[] {SPACE, HELLO}, tokenizer.encode("hello"));
    }

    @Test
    void spacesBecomeTheSpaceMarkAndTheTextGetsOnePrefixSpace() {
        // " w": prefix space + escaped space: ▁ ▁ w; "▁w" (-6) merges the second mark with w.
        assertArrayEquals(new int[] {SPACE, SPACE_W}, tokenizer.encode(" w"));
        assertArrayEquals(new int[] {SPACE, HELLO, SPACE_W}, tokenizer.encode("hello w"));
        Tokenizer noPrefix = HandBuiltVocabularies.sentencePiece(false, PIECES);
        assertArrayEquals(new int[] {HELLO}, noPrefix.encode("hello"));
        assertArrayEquals(new int[] {W}, noPrefix.encode("w"));
    }

    @Test
    void equalScoresMergeLeftmostFirst() {
        // "ab" and "bc" score the same: in "abc" the leftmost pair wins, leaving "ab" "c".
        Tokenizer t = HandBuiltVocabularies.sentencePiece(false, "a", -9, "b", -9, "c", -9, "ab", -1, "bc", -1);
        int a = SPM_FIRST_PIECE;
        assertArrayEquals(new int[] {a + 3, a + 2}, t.encode("abc"));
        assertArrayEquals(new int[] {a + 4, a}, t.encode("bca"));
    }

    @Test
    void unknownCharactersFallBackToTheirUtf8Bytes() {
        // é is C3 A9; the byte tokens are 3 + byte.
        assertArrayEquals(new int[] {SPACE, 3 + 0xC3, 3 + 0xA9}, tokenizer.encode("\u00E9"));
        // an emoji outside the BMP: F0 9F 98 80
        assertArrayEquals(new int[] {SPACE, 3 + 0xF0, 3 + 0x9F, 3 + 0x98, 3 + 0x80}, tokenizer.encode("\uD83D\uDE00"));
    }

    @Test
    void addSpecialPutsBosInFrontAndNoEos() {
        assertArrayEquals(new int[] {1, SPACE, HELLO}, tokenizer.encode("hello", true, false));
        assertArrayEquals(new int[] {1}, tokenizer.encode("", true, false));
        assertArrayEquals(new int[0], tokenizer.encode(""));
    }

    @Test
    void controlTokensAreFoundOnlyWithParseSpecialButUserDefinedAlways() {
        // parseSpecial: "<|end|>" is one token, and the text after it gets a prefix space again (as llama.cpp does).
        assertArrayEquals(new int[] {SPACE, HELLO, END, SPACE_W}, tokenizer.encode("hello<|end|>w", false, true));
        int[] plain = tokenizer.encode("hello<|end|>w", false, false);
        assertEquals(-1, Arrays.stream(plain).filter(id -> id == END).findAny().orElse(-1));
        assertArrayEquals(new int[] {SPACE, HELLO, USER, SPACE_W}, tokenizer.encode("hello<|user|>w", false, false));
    }

    @Test
    void decodeRestoresSpacesBytesAndDropsControlTokens() {
        assertEquals("hello w", tokenizer.decode(new int[] {1, SPACE, HELLO, SPACE_W, 2}));
        assertEquals("\u00E9", tokenizer.decode(tokenizer.encode("\u00E9")));
        assertEquals("hello<|user|> w", tokenizer.decode(tokenizer.encode("hello<|user|>w")));
    }

    @Test
    void roundTripsTextTheVocabularyCanSpell() {
        for (String text : new String[] {"hello w", "  hello   w  ", "\u00E9t\u00E9 \uD83D\uDE00 \u4E2D\u6587", "\n\thello\r\n", "w"}) {
            assertEquals(text, tokenizer.decode(tokenizer.encode(text)), text);
            assertEquals(text, tokenizer.decode(tokenizer.encode(text, true, false)), text);
        }
    }

    @Test
    void streamingHoldsASplitCharacterBackUntilItIsWhole() {
        TokenDecoder decoder = tokenizer.streamingDecoder();
        assertEquals("", decoder.next(1));
        assertEquals("hello", decoder.next(HELLO));
        assertEquals(" ", decoder.next(SPACE));
        assertEquals("", decoder.next(3 + 0xF0));
        assertEquals("", decoder.next(3 + 0x9F));
        assertEquals("", decoder.next(3 + 0x98));
        assertEquals("\uD83D\uDE00", decoder.next(3 + 0x80));
        assertEquals(" w", decoder.next(SPACE_W));
        assertEquals("", decoder.flush());
    }

    @Test
    void flushTurnsAnIncompleteCharacterIntoAReplacementCharacter() {
        TokenDecoder decoder = tokenizer.streamingDecoder();
        assertEquals("", decoder.next(3 + 0xE4));
        assertEquals("\uFFFD", decoder.flush());
        assertEquals("\uFFFDh", tokenizer.decode(new int[] {3 + 0x9F, H}));
    }
}
