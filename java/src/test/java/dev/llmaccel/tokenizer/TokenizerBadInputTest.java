package dev.llmaccel.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every public method of every kind of tokenizer rejects bad arguments with a clear exception. */
class TokenizerBadInputTest {
    static Stream<Tokenizer> tokenizers() {
        return Stream.of(
                HandBuiltVocabularies.sentencePiece(true, "a", -1),
                HandBuiltVocabularies.byteLevel("gpt-2", "a b"),
                HandBuiltVocabularies.wordPiece(false, 100),
                HandBuiltVocabularies.wordPiece(true, 100));
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void nullsAreRejected(Tokenizer tokenizer) {
        assertThrows(NullPointerException.class, () -> tokenizer.encode(null));
        assertThrows(NullPointerException.class, () -> tokenizer.encode(null, true, true));
        assertThrows(NullPointerException.class, () -> tokenizer.decode(null));
        assertThrows(NullPointerException.class, () -> tokenizer.specialTokenId(null));
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void idsOutsideTheVocabularyAreRejectedWithTheRange(Tokenizer tokenizer) {
        int n = tokenizer.vocabSize();
        for (int bad : new int[] {-1, n, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {0, bad}));
            assertTrue(e.getMessage().contains(String.valueOf(bad)) && e.getMessage().contains(String.valueOf(n)), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenText(bad));
            assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenType(bad));
            assertThrows(IllegalArgumentException.class, () -> tokenizer.isEndOfGeneration(bad));
        }
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void aStreamingDecoderRejectsABadIdAndGoesOn(Tokenizer tokenizer) {
        TokenDecoder decoder = tokenizer.streamingDecoder();
        int a = tokenizer.encode("a")[0];
        String first = decoder.next(a);
        assertThrows(IllegalArgumentException.class, () -> decoder.next(-5));
        assertThrows(IllegalArgumentException.class, () -> decoder.next(tokenizer.vocabSize()));
        assertEquals(tokenizer.decode(new int[] {a, a}), first + decoder.next(a) + decoder.flush());
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void unpairedSurrogatesAreNotText(Tokenizer tokenizer) {
        for (String bad : List.of("a\uD800", "\uDC00b", "\uDC00\uD800")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tokenizer.encode(bad));
            assertTrue(e.getMessage().contains("surrogate"), e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void unknownSpecialTextsGiveMinusOne(Tokenizer tokenizer) {
        assertEquals(-1, tokenizer.specialTokenId("<|no such token|>"));
        assertEquals(-1, tokenizer.specialTokenId(""));
    }
}
