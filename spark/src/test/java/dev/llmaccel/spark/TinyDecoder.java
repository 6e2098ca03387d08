package dev.llmaccel.spark;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The decoder of the generation tests: a random-weight GGUF written once, and what Generator alone makes of prompts. */
final class TinyDecoder {
    /** 2 layers, 6 query heads over 2 KV heads of 16, a 272-token vocabulary, 256 positions. */
    static final LlamaConfig SHAPE = new LlamaConfig("llama", 96, 128, 2, 6, 2, 16, 272, 256, 1e-5f,
            RopeParams.of(RopeStyle.NORMAL, 10000), false, false, false);

    private TinyDecoder() {}

    /** The random-weight model file in dir (written on the first call). */
    static Path file(Path dir) throws IOException {
        Path file = dir.resolve("tiny-random.gguf");
        if (!Files.exists(file)) {
            RandomLlamaModel.write(file, SHAPE, DType.F32, 11);
        }
        return file;
    }

    /** Each prompt continued by a fresh Generator of its own on the CPU: the reference of the Spark paths. */
    static List<String> alone(Path gguf, List<String> prompts, List<GenerationOptions> options) throws IOException {
        List<String> out = new ArrayList<>();
        try (GgufFile file = GgufFile.open(gguf); Backend cpu = Backends.cpu(); LlamaModel model = LlamaModel.fromGguf(file, cpu)) {
            var tokenizer = Tokenizers.fromGguf(file);
            for (int i = 0; i < prompts.size(); i++) {
                try (LlamaSession session = model.newSession(model.config().contextLength())) {
                    out.add(new Generator(session, tokenizer).generate(prompts.get(i), options.get(i), null).text());
                }
            }
        }
        return out;
    }

    static List<String> prompts(int n) {
        List<String> words = TestSpark.sentences(n);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String s = words.get(i);
            out.add(s.substring(0, Math.min(s.length(), 20 + i % 40)));
        }
        return out;
    }
}
