package dev.llmaccel.model.bert;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.safetensors.SafetensorsFile;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face model folder: {@code model.safetensors}, {@code config.json} and
 * {@code tokenizer.json}. Parameter names may carry a {@code bert.} prefix (checkpoints saved from
 * a task model), and old checkpoints name LayerNorm parameters gamma/beta; both are accepted.
 * Tensors view the mapped file, which stays open until the checkpoint is closed.
 */
final class SafetensorsBertCheckpoint extends BertCheckpoint {
    private final SafetensorsFile file;

    private SafetensorsBertCheckpoint(SafetensorsFile file, BertConfig config, TokenizerJson tokenizer) {
        super(config, tokenizer.tokenizer(), tokenizer.maxTokens(config.maxPositions()));
        this.file = file;
    }

    /** Opens a safetensors file with config.json and tokenizer.json from its folder. */
    static SafetensorsBertCheckpoint open(Path weights) throws IOException {
        Path dir = weights.toAbsolutePath().getParent();
        Path configJson = dir.resolve("config.json");
        Path tokenizerJson = dir.resolve("tokenizer.json");
        for (Path p : new Path[] {weights, configJson, tokenizerJson}) {
            if (!Files.isRegularFile(p)) {
                throw new ModelFormatException(dir + ": a safetensors model folder needs " + p.getFileName());
            }
        }
        BertConfig config = BertConfig.fromHuggingFace(configJson);
        TokenizerJson tokenizer = TokenizerJson.read(tokenizerJson);
        return new SafetensorsBertCheckpoint(SafetensorsFile.open(weights), config, tokenizer);
    }




    @Override
    String description() {
        return "safetensors " + file.path();
    }

    @Override
    Tensor parameter(String name) throws IOException {
        for (String candidate : new String[] {name, "bert." + name, legacyNormName(name), "bert." + legacyNormName(name)}) {
            if (file.hasTensor(candidate)) {
                return file.tensor(candidate);
            }
        }
        throw new ModelFormatException(file.path() + ": no tensor '" + name + "'");
    }

    @Override
    public void close() {
        file.close();
    }

    /** TensorFlow-era names of LayerNorm parameters: weight is gamma, bias is beta. */
    private static String legacyNormName(String name) {
        if (name.endsWith("LayerNorm.weight")) {
            return name.substring(0, name.length() - "weight".length()) + "gamma";
        }
        if (name.endsWith("LayerNorm.bias")) {
            return name.substring(0, name.length() - "bias".length()) + "beta";
        }
        return name;
    }
}
