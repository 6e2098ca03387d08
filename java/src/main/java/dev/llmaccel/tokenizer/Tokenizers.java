package dev.llmaccel.tokenizer;

import dev.llmaccel.format.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Makes tokenizers from the files models ship with.
 *
 * <pre>{@code
 * Tokenizer llama = Tokenizers.fromLlama2c(Path.of("tok512.bin"), 512);
 * Tokenizer bert;
 * try (InputStream in = Files.newInputStream(Path.of("tokenizer.json"))) {
 *     bert = Tokenizers.fromHuggingFaceJson(in);
 * }
 * }</pre>
 */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * The tokenizer of llama2.c's tokenizer.bin (SentencePiece BPE; BOS added, EOS not).
     *
     * @param vocabSize how many tokens to read: the vocab size of the model's header
     * @throws ModelFormatException when the file is truncated or malformed
     * @throws IllegalArgumentException when vocabSize is not positive
     */
    public static Tokenizer fromLlama2c(Path tokenizerBin, int vocabSize) throws IOException {
        Objects.requireNonNull(tokenizerBin, "tokenizerBin");
        return Llama2cTokenizerLoader.load(tokenizerBin, vocabSize);
    }

    /**
     * The tokenizer of a Hugging Face tokenizer.json with a WordPiece model (BERT family). The
     * stream is read to its end and not closed.
     *
     * @throws ModelFormatException when the JSON is malformed or uses a model, normalizer,
     *     pre-tokenizer or post-processor this library does not implement
     */
    public static Tokenizer fromHuggingFaceJson(InputStream tokenizerJson) throws IOException {
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        return HuggingFaceTokenizerLoader.load(tokenizerJson);
    }
}
