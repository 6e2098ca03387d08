package dev.llmaccel.serving;

import dev.llmaccel.SharedFiles;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.ChatTemplate;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A model, its tokenizer and a chat template for engine tests: random tiny weights, or aidreams260K from ../shared. */
final class TinyModel implements AutoCloseable {
    /** 2 layers, 6 query heads over 2 KV heads of 16, a 272-token vocabulary, 256 positions. */
    static final LlamaConfig SHAPE = new LlamaConfig("llama", 96, 128, 2, 6, 2, 16, 272, 256, 1e-5f,
            RopeParams.of(RopeStyle.NORMAL, 10000), false, false, false);

    final GgufFile gguf;
    final LlamaModel model;
    final Tokenizer tokenizer;
    final ChatTemplate template;

    private TinyModel(GgufFile gguf, Backend backend) throws IOException {
        this.gguf = gguf;
        try {
            this.tokenizer = Tokenizers.fromGguf(gguf);
            this.template = ChatTemplate.fromGguf(gguf, tokenizer);
            this.model = LlamaModel.fromGguf(gguf, backend);
        } catch (IOException | RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    /** A random-weight model of SHAPE (or shape) with matrices of type, written into dir once. */
    static TinyModel random(Path dir, DType type, Backend backend) throws IOException {
        return random(dir, SHAPE, type, backend);
    }

    static TinyModel random(Path dir, LlamaConfig shape, DType type, Backend backend) throws IOException {
        Path file = dir.resolve("tiny-" + shape.dim() + "-" + shape.layers() + "-" + type + ".gguf");
        if (!Files.exists(file)) {
            RandomLlamaModel.write(file, shape, type, 11);
        }
        return new TinyModel(GgufFile.open(file), backend);
    }

    /** The real aidreams260K model (F32, 128 positions), or a skipped test without ../shared. */
    static TinyModel aidreams(Backend backend) throws IOException {
        return new TinyModel(GgufFile.open(SharedFiles.require("models/aidreams260K/aidreams260K.gguf")), backend);
    }

    Engine engine(EngineConfig config) {
        return Engine.start(model, tokenizer, template, config);
    }

    @Override
    public void close() {
        model.close();
        gguf.close();
    }
}
