package dev.llmaccel.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ByteLevelBpeTest {
    /** Ranks 0..7; their results get ids 256.. in this order ("ll", "he", "el", "llo", "hell", "hello", "Ġw", "Ġwo"). */
    private static final String[] MERGES = {"l l", "h e", "e l", "ll o", "he ll", "hell o", "\u0120 w", "\u0120w o"};
    private static final int HE = 257;
    private static final int LLO = 259;
    private static final int HELL = 260;
    private static final int SPACE_W = 262;
    private static final int SPACE_WO = 263;
    private static final int END_OF_TEXT = 264;

    private final Tokenizer tokenizer = HandBuiltVocabularies.byteLevel("gpt-2", MERGES);

    @Test
    void lowestRankMergesFirstAndStalePairsAreSkipped() {
        // h e l l o: "l l" (0), then "h e" (1); "e l" (2) is stale; "ll o" (3) leaves he|llo,
        // and "he llo" is no merge, so the later "hell o" never gets a chance.
        assertArrayEquals(new int[] {HE, LLO}, tokenizer.encode("hello"));
        assertArrayEquals(new int[] {HELL}, tokenizer.encode("hell"));   // "he ll" (4) applies here
    }

    @Test
    void wordsArePreTokenizedAndSpacesAreSpelledAsBytes() {
        // "hello world" -> "hello", " world"; ' ' is spelled Ġ and merges with w, then o.
        int[] ids = tokenizer.encode("hello world");
        assertArrayEquals(new int[] {HE, LLO, SPACE_WO, 'r', 'l', 'd'}, ids);
        assertEquals("\u0120w", tokenizer.tokenText(SPACE_W));
    }

    @Test
    void tokensOfWholeWordsSkipMergesWhenThePreTokenizerSaysSo() {
        Tokenizer llama3 = HandBuiltVocabularies.byteLevel("llama-bpe", MERGES);
        int hello = 261;
        assertEquals("hello", llama3.tokenText(hello));
        assertArrayEquals(new int[] {hello}, llama3.encode("hello"));
    }

    @Test
    void everyByteIsSpelledSoNoTextIsLost() {
        String text = "na\u00EFve \uD83E\uDD99\t\u0000 \u4E2D";
        int[] ids = tokenizer.encode(text);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        assertEquals(utf8.length, ids.length);   // no merge applies, so one token per byte
        for (int i = 0; i < ids.length; i++) {
            assertEquals(utf8[i] & 0xFF, ids[i]);
        }
        assertEquals(text, tokenizer.decode(ids));
    }

    @Test
    void specialTokensNeedParseSpecial() {
        assertArrayEquals(new int[] {HE, LLO, END_OF_TEXT}, tokenizer.encode("hello<|endoftext|>", false, true));
        int[] plain = tokenizer.encode("hello<|endoftext|>");
        assertEquals(2 + "<|endoftext|>".length(), plain.length);
        assertEquals("hello", tokenizer.decode(new int[] {HE, LLO, END_OF_TEXT}));
        assertTrue(tokenizer.isEndOfGeneration(END_OF_TEXT));
        assertEquals(END_OF_TEXT, tokenizer.specialTokenId("<|endoftext|>"));
        assertEquals(-1, tokenizer.specialTokenId("hello"));
    }

    @Test
    void streamingReassemblesACharacterSpreadOverByteTokens() {
        // U+1F999 (F0 9F A6 99) as four single-byte tokens.
        TokenDecoder decoder = tokenizer.streamingDecoder();
        assertEquals("", decoder.next(0xF0));
        assertEquals("", decoder.next(0x9F));
        assertEquals("", decoder.next(0xA6));
        assertEquals("\uD83E\uDD99", decoder.next(0x99));
        assertEquals(" wo", decoder.next(SPACE_WO));
        assertEquals("", decoder.flush());
    }

    @Test
    void roundTripsArbitraryText() {
        for (String text : new String[] {"", " ", "hello world", "  multiple   spaces\n\n\ttabs", "I'm 12345 caf\u00E9 \uD83D\uDE00!"}) {
            assertEquals(text, tokenizer.decode(tokenizer.encode(text)), text);
        }
    }
}
