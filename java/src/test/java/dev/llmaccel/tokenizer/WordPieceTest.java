package dev.llmaccel.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ids are positions in {@link HandBuiltVocabularies#WORDPIECE_ENTRIES}. */
class WordPieceTest {
    private static final int UNK = 1;
    private static final int CLS = 2;
    private static final int SEP = 3;
    private static final int HELLO = 5;
    private static final int WORLD = 6;
    private static final int COMMA = 7;
    private static final int BANG = 8;
    private static final int UN = 9;
    private static final int AFF = 10;
    private static final int ABLE = 11;
    private static final int CAFE = 12;
    private static final int PLAY = 13;
    private static final int ING = 14;
    private static final int S = 15;
    private static final int ZHONG = 16;
    private static final int APOSTROPHE = 17;
    private static final int S_WORD = 18;
    private static final int IT = 19;
    private static final int PERIOD = 20;

    private static Tokenizer tokenizer(boolean ggufSpelling) {
        return HandBuiltVocabularies.wordPiece(ggufSpelling, 100);
    }

    @ParameterizedTest(name = "gguf spelling: {0}")
    @ValueSource(booleans = {false, true})
    void splitsWordsAtWhitespaceAndPunctuationAndLowercases(boolean gguf) {
        assertArrayEquals(new int[] {HELLO, COMMA, WORLD, BANG}, tokenizer(gguf).encode("Hello, WORLD!"));
        assertArrayEquals(new int[] {HELLO, WORLD}, tokenizer(gguf).encode("  hello\t\n\u3000world  "));
    }

    @ParameterizedTest(name = "gguf spelling: {0}")
    @ValueSource(booleans = {false, true})
    void cutsWordsIntoLongestPiecesWithContinuations(boolean gguf) {
        assertArrayEquals(new int[] {UN, AFF, ABLE}, tokenizer(gguf).encode("unaffable"));
        assertArrayEquals(new int[] {PLAY, ING, S}, tokenizer(gguf).encode("playings"));
        // "ing" alone is only a continuation, so as a word it cannot be cut: unknown.
        assertArrayEquals(new int[] {PLAY, UNK}, tokenizer(gguf).encode("play ing"));
    }

    @ParameterizedTest(name = "gguf spelling: {0}")
    @ValueSource(booleans = {false, true})
    void stripsAccentsRemovesControlCharactersAndIsolatesCjk(boolean gguf) {
        assertArrayEquals(new int[] {CAFE}, tokenizer(gguf).encode("Caf\u00E9"));
        assertArrayEquals(new int[] {CAFE}, tokenizer(gguf).encode("Cafe\u0301"));
        assertArrayEquals(new int[] {HELLO}, tokenizer(gguf).encode("hel\u0000l\u200Do"));
        // 中 is a word of its own even inside a run of letters; 文 is not in the vocabulary.
        assertArrayEquals(new int[] {PLAY, ZHONG, UNK, HELLO}, tokenizer(gguf).encode("play\u4E2D\u6587hello"));
    }

    @ParameterizedTest(name = "gguf spelling: {0}")
    @ValueSource(booleans = {false, true})
    void unknownAndOverlongWordsBecomeOneUnknownToken(boolean gguf) {
        assertArrayEquals(new int[] {HELLO, UNK, WORLD}, tokenizer(gguf).encode("hello unaffablex world"));
        Tokenizer short5 = HandBuiltVocabularies.wordPiece(gguf, 5);
        assertArrayEquals(new int[] {HELLO, UNK}, short5.encode("hello playings"));
    }

    @ParameterizedTest(name = "gguf spelling: {0}")
    @ValueSource(booleans = {false, true})
    void addSpecialFramesWithClsAndSep(boolean gguf) {
        assertArrayEquals(new int[] {CLS, HELLO, SEP}, tokenizer(gguf).encode("hello", true, false));
        assertArrayEquals(new int[] {CLS, SEP}, tokenizer(gguf).encode("", true, false));
        assertArrayEquals(new int[] {HELLO, SEP, WORLD}, tokenizer(gguf).encode("hello[SEP]world", false, true));
        assertEquals(CLS, tokenizer(gguf).bosId());
        assertEquals(UNK, tokenizer(gguf).unknownId());
    }

    @ParameterizedTest(name = "gguf spelling: {0}")
    @ValueSource(booleans = {false, true})
    void decodeJoinsContinuationsAndAttachesPunctuation(boolean gguf) {
        Tokenizer t = tokenizer(gguf);
        assertEquals("hello, world!", t.decode(new int[] {CLS, HELLO, COMMA, WORLD, BANG, SEP}));
        assertEquals("unaffable playings", t.decode(new int[] {UN, AFF, ABLE, PLAY, ING, S}));
        assertEquals("it's cafe.", t.decode(t.encode("It's caf\u00E9.")));
        assertArrayEquals(new int[] {IT, APOSTROPHE, S_WORD, CAFE, PERIOD}, t.encode("It's caf\u00E9."));
    }
}
