package dev.llmaccel.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.llmaccel.SharedFiles;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * all-MiniLM-L6-v2's tokenizer.json against the bert-bge conformance strings: both models use
 * bert-base-uncased's 30522-entry vocabulary and BERT normalization, so the reference ids of
 * bert-bge are this tokenizer's ids too ({@code GgufConformanceTest} checks that the two vocabularies agree).
 */
class HuggingFaceConformanceTest {
    private static final String CASES = "vocab/ggml-vocab-bert-bge.gguf";
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = HuggingFaceTokenizerTest.miniLm();
    }

    static List<VocabTestCases.Case> cases() throws IOException {
        return VocabTestCases.casesOrPlaceholder(CASES);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void encodesLikeTheReference(VocabTestCases.Case c) {
        SharedFiles.require(CASES);
        int[] actual = tokenizer.encode(c.input());
        assertArrayEquals(c.expected(), actual, () -> c + "\n  expected " + Arrays.toString(c.expected()) + "\n  actual   " + Arrays.toString(actual));
    }
}
