package dev.llmaccel.examples;

import dev.llmaccel.backend.Backends;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.GenerationResult;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;

/** README "Text generation": greedy continuation of a prompt with a GGUF model (../shared's aidreams260K). */
public final class GenerationExample {
    private GenerationExample() {}

    public static void main(String[] args) throws IOException {
        GenerationResult r = run();
        System.out.printf("%n%s, %d tokens%n", r.stopReason(), r.generatedTokens());
    }

    /** Run from the repository's root, where ../shared is. */
    static GenerationResult run() throws IOException {
        // README: Text generation
        Path modelFile = Path.of("../shared/models/aidreams260K/aidreams260K.gguf");   // or any Llama-family GGUF
        GenerationResult r;
        try (GgufFile gguf = GgufFile.open(modelFile);
             LlamaModel model = LlamaModel.fromGguf(gguf, Backends.best());
             LlamaSession session = model.newSession(128)) {            // a KV cache of 128 positions
            Generator generator = new Generator(session, Tokenizers.fromGguf(gguf));
            r = generator.generate("Once upon a time", GenerationOptions.greedy(30), System.out::print);
        }
        // README: end
        return r;
    }
}
