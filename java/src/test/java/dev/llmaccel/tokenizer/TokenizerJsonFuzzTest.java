package dev.llmaccel.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Coverage-guided fuzzing of the tokenizer.json loader: any bytes either load into a tokenizer
 * that then encodes and decodes a few texts without failing (a vocabulary without an unknown token
 * may refuse a word it does not cover, as documented), or are refused with an IOException
 * (ModelFormatException for a malformed file).
 */
class TokenizerJsonFuzzTest {
    private static final String[] TEXTS = {"", "Hello, world!", "  two  spaces\tand\nlines", "héllo ÿ 日本 🙂", "[CLS] a [SEP]"};

    @FuzzTest(maxDuration = "10m")
    void load(byte[] data) {
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizers.fromHuggingFaceJson(new ByteArrayInputStream(data));
        } catch (IOException refused) {
            return; // the only other outcome allowed
        }
        for (String text : TEXTS) {
            int[] ids;
            try {
                ids = tokenizer.encode(text, true, true);
            } catch (IllegalArgumentException uncovered) {
                if (tokenizer.unknownId() >= 0) {
                    throw uncovered; // with an unknown token every text encodes
                }
                continue;
            }
            tokenizer.decode(ids);
        }
    }
}
