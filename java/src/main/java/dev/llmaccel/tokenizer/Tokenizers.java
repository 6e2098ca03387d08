package dev.llmaccel.tokenizer;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Makes tokenizers from the files models ship with.
 *
 * <pre>{@code
 * Tokenizer tokenizer;
 * try (GgufFile gguf = GgufFile.open(Path.of("model.gguf"))) {
 *     tokenizer = Tokenizers.fromGguf(gguf);    // usable after the file is closed
 * }
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
     * The tokenizer a GGUF file's {@code tokenizer.ggml.*} metadata describes: SentencePiece BPE
     * ({@code model = "llama"}), byte-level BPE ({@code "gpt2"}, pre-tokenizer from
     * {@code tokenizer.ggml.pre}) or WordPiece ({@code "bert"}), with llama.cpp's rules for
     * BOS/EOS, special tokens and defaults. The tokenizer keeps no reference to the file.
     *
     * @throws ModelFormatException when keys are missing or malformed, or the tokenizer model or
     *     pre-tokenizer is one this library does not implement
     */
    public static Tokenizer fromGguf(GgufFile gguf) throws ModelFormatException {
        Objects.requireNonNull(gguf, "gguf");
        return GgufTokenizerLoader.load(gguf);
    }

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
