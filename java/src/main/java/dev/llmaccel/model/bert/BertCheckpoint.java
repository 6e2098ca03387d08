package dev.llmaccel.model.bert;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.Tensor;
import dev.llmaccel.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A BERT model stored in one of the supported formats: its configuration, its parameters under
 * their Hugging Face names (without a {@code bert.} prefix, e.g.
 * {@code encoder.layer.0.attention.self.query.weight}), and its tokenizer. Parameters come back
 * in this library's layout: linear weights (out, in). Closing the checkpoint may invalidate
 * tensors that view its file.
 */
abstract class BertCheckpoint implements AutoCloseable {
    private final BertConfig config;
    private final Tokenizer tokenizer;
    private final int maxTokens;

    /** maxTokens: see {@link #maxTokens()}. */
    BertCheckpoint(BertConfig config, Tokenizer tokenizer, int maxTokens) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
    }

    final BertConfig config() {
        return config;
    }

    final Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The most tokens per input, [CLS] and [SEP] included, that the model's tokenizer declares
     * (tokenizer.json's truncation length), else the model's positions.
     */
    final int maxTokens() {
        return maxTokens;
    }

    /** The parameter with this name, as a host tensor of any float type; the caller closes it. */
    abstract Tensor parameter(String name) throws IOException;

    /** A short description for logs and errors: the format and the file. */
    abstract String description();

    @Override
    public abstract void close();

    /**
     * Opens a checkpoint by looking at what path is: a directory of safetensors + config.json +
     * tokenizer.json, a GGUF file, or an ONNX file (with tokenizer.json beside it or one folder up).
     */
    static BertCheckpoint open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return SafetensorsBertCheckpoint.open(path.resolve("model.safetensors"));
        }
        if (!Files.isRegularFile(path)) {
            throw new java.nio.file.NoSuchFileException(path.toString());
        }
        byte[] magic = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(magic, 0, 4);
        }
        if (n == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F') {
            return GgufBertCheckpoint.open(path);
        }
        if (path.getFileName().toString().endsWith(".safetensors")) {
            return SafetensorsBertCheckpoint.open(path);
        }
        if (path.getFileName().toString().endsWith(".onnx")) {
            return OnnxBertCheckpoint.open(path);
        }
        throw new ModelFormatException(path + ": not a GGUF file, an .onnx file or a safetensors model directory");
    }
}
