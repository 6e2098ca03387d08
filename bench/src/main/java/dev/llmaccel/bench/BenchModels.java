package dev.llmaccel.bench;

import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The random-weight GGUFs decode speed is measured on, with the shapes of two real models. They
 * are written once into {@code -Dllmaccel.bench.dir} (default: {@code llmaccel-bench} in the
 * system's temporary folder), never into the repository, and reused while present.
 */
final class BenchModels {
    private BenchModels() {}

    /** SmolLM2-135M or Llama-3.2-1B by name: "smollm2-135m", "llama-3.2-1b". */
    static LlamaConfig shape(String name) {
        return switch (name) {
            // SmolLM2-135M: 30 layers, 576 wide, 9 heads over 3 kv heads, ffn 1536, vocab 49152, tied
            case "smollm2-135m" -> new LlamaConfig("llama", 576, 1536, 30, 9, 3, 64, 49152, 8192, 1e-5f,
                    RopeParams.of(RopeStyle.NORMAL, 100000), false, false, true);
            // Llama-3.2-1B: 16 layers, 2048 wide, 32 heads over 8 kv heads, ffn 8192, vocab 128256, tied
            case "llama-3.2-1b" -> new LlamaConfig("llama", 2048, 8192, 16, 32, 8, 64, 128256, 131072, 1e-5f,
                    RopeParams.of(RopeStyle.NORMAL, 500000), false, false, true);
            default -> throw new IllegalArgumentException("unknown shape " + name + " (smollm2-135m, llama-3.2-1b)");
        };
    }

    /** The model file for a shape and weight type, written first if absent (a minute or two for the 1B F32). */
    static Path file(String shape, DType type) throws IOException {
        Path dir = Path.of(System.getProperty("llmaccel.bench.dir",
                Path.of(System.getProperty("java.io.tmpdir"), "llmaccel-bench").toString()));
        Files.createDirectories(dir);
        Path file = dir.resolve(shape + "-" + type + ".gguf");
        if (!Files.exists(file)) {
            System.err.println("writing " + file + " ...");
            Path partial = dir.resolve(file.getFileName() + ".partial");
            RandomLlamaModel.write(partial, shape(shape), type, 1);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        }
        return file;
    }
}
