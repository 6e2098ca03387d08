package dev.llmaccel.grammar;

import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A tiny random-weight model and a SentencePiece vocabulary made for JSON: the 256 byte tokens
 * (so every character can be spelled, a multi-byte one across several tokens) and pieces that
 * cross JSON's structure ({@code ",▁"}, {@code {"}, {@code ":}, ...) or hold whole non-ASCII
 * characters. Its samples are garbage, so what they look like is the grammar's doing alone.
 */
final class JsonTestModel {
    private static final List<String> PIECES = List.of(
            "{", "}", "[", "]", "\"", ":", ",", "{\"", "\"}", "\":", "\":\u2581", "\",\u2581\"", "\",", "\u2581\"",
            "},\u2581{", "[{\"", "\"}]", "[]", "{}", "true", "false", "null", "\u2581true", "\u2581null", "-", ".", "e", "E", "+",
            "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "42", "3.14", "-1", "1e", "00", "2024", "-02-29",
            "T", "Z", ":00", "12:", "\\", "\\u", "\\n", "\\\"", "\\u00", "\u2581", "\u2581\u2581", "name", "age", "tags",
            "id", "kids", "v", "a", "b", "c", "d", "f", "x", "y", "z", "A", "B", "C", "F", "AB-", "-12", "\u00e9", "\u65e5\u672c",
            "\ud83d\ude00", "ab\ud83d\ude00", "\u00e9t\u00e9", "none", "\u2581a\u2581b");

    private JsonTestModel() {}

    /** The vocabulary's size: 3 special tokens, 256 bytes, the pieces. */
    static int vocabSize() {
        return 3 + 256 + PIECES.size();
    }

    /** A one-layer random model of the vocabulary (32 wide, context 512), its tokenizer in the same file. */
    static Path model(Path dir, long seed) throws IOException {
        Path file = dir.resolve("json-model-" + seed + ".gguf");
        RandomLlamaModel.write(file, new LlamaConfig("llama", 32, 48, 1, 2, 1, 16, vocabSize(), 512, 1e-5f,
                RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true), DType.F32, seed, PIECES);
        return file;
    }

    /** The vocabulary's tokenizer, as a model file written by {@link #model} holds it. */
    static Tokenizer tokenizer(Path model) throws IOException {
        try (GgufFile gguf = GgufFile.open(model)) {
            return Tokenizers.fromGguf(gguf);
        }
    }
}
