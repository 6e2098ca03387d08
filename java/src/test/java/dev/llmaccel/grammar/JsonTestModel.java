package dev.llmaccel.grammar;

import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.format.gguf.GgufWriter;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /** A tokenizer of the vocabulary (read back from a GGUF written into dir). */
    static Tokenizer tokenizer(Path dir) throws IOException {
        Path file = dir.resolve("json-vocab.gguf");
        List<String> tokens = new ArrayList<>();
        tokens.add("<unk>");
        tokens.add("<s>");
        tokens.add("</s>");
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
        }
        tokens.addAll(PIECES);
        int n = tokens.size();
        int[] types = new int[n];
        float[] scores = new float[n];
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
        for (int i = 3; i < n; i++) {
            types[i] = i < 259 ? 6 : 1;
            scores[i] = i < 259 ? 0 : -i;
        }
        try (GgufWriter w = GgufWriter.create(file)) {
            w.put("tokenizer.ggml.model", "llama");
            w.putStringArray("tokenizer.ggml.tokens", tokens);
            w.putFloat32Array("tokenizer.ggml.scores", scores);
            w.putInt32Array("tokenizer.ggml.token_type", types);
            w.putUint32("tokenizer.ggml.unknown_token_id", 0);
            w.putUint32("tokenizer.ggml.bos_token_id", 1);
            w.putUint32("tokenizer.ggml.eos_token_id", 2);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            return Tokenizers.fromGguf(gguf);
        }
    }

    /** A one-layer random model of the vocabulary's size (32 wide, context 512). */
    static Path model(Path dir, long seed) throws IOException {
        Path file = dir.resolve("json-model-" + seed + ".gguf");
        RandomLlamaModel.write(file, new LlamaConfig("llama", 32, 48, 1, 2, 1, 16, vocabSize(), 512, 1e-5f,
                RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true), DType.F32, seed);
        return file;
    }
}
