package dev.llmaccel.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class PreTokenizerTest {
    private static List<String> split(String preTokenizer, String text) {
        PreTokenizer p = PreTokenizer.forName(preTokenizer);
        assertNotNull(p, preTokenizer);
        List<String> words = p.split(text);
        assertEquals(text, String.join("", words), "the words must cover the text exactly");
        return words;
    }

    @Test
    void gpt2SplitsContractionsLettersDigitsAndKeepsOneSpaceBeforeAWord() {
        assertEquals(List.of("I", "'m", " here", " ", " now"), split("gpt-2", "I'm here  now"));
        assertEquals(List.of("abc", "123", " 4567", "!!", " ?"), split("gpt-2", "abc123 4567!! ?"));
        // "\s+(?!\S)" leaves the last newline to stand alone before the word
        assertEquals(List.of("Hello", "\n", "\n", "World"), split("gpt-2", "Hello\n\nWorld"));
        // U+00E9 and U+0439 are letters, U+00BD (one half) is a number.
        assertEquals(List.of("caf\u00E9", " \u0439", " \u00BD"), split("gpt-2", "caf\u00E9 \u0439 \u00BD"));
    }

    @Test
    void whitespaceIsUnicodeWhiteSpaceNotJustAscii() {
        // U+3000 is whitespace: each one becomes its own word here (not a run of "other" characters).
        assertEquals(List.of("a", "\u3000", "\u3000", "b"), split("gpt-2", "a\u3000\u3000b"));
        assertEquals(List.of("a", "\u00A0", "b"), split("gpt-2", "a\u00A0b"));
    }

    @Test
    void llama3GroupsDigitsByThreeAndKeepsNewlinesTogether() {
        assertEquals(List.of("abc", "123", "456", "7", " x"), split("llama-bpe", "abc1234567 x"));
        assertEquals(List.of("Hello", "\n\n", "World"), split("llama-bpe", "Hello\n\nWorld"));
        assertEquals(List.of("I", "'M", " fine", ".\n", "  ", " ok"), split("llama-bpe", "I'M fine.\n   ok"));
        assertEquals(List.of("(a", ")"), split("llama-bpe", "(a)"));
    }

    @Test
    void qwen2SplitsEveryDigit() {
        assertEquals(List.of("x", "1", "2", "3"), split("qwen2", "x123"));
    }

    @Test
    void smollmSplitsDigitsFirstThenAppliesGpt2ToEachPiece() {
        // after the digits are cut out, "a " ends a piece, so its space is not glued to anything
        assertEquals(List.of("a", " ", "1", "2", " b"), split("smollm", "a 12 b"));
    }

    @Test
    void defaultSplitsPunctuationRunsFirst() {
        assertEquals(List.of("a", "...", " b"), split("default", "a... b"));
    }

    @Test
    void tekkenSplitsCamelCase() {
        assertEquals(List.of("Hello", "World", " foo", "1", "2"), split("tekken", "HelloWorld foo12"));
    }

    @Test
    void unknownNamesAreNotGuessed() {
        assertNull(PreTokenizer.forName("no-such-model"));
    }
}
