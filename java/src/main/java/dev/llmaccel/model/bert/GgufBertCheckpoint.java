package dev.llmaccel.model.bert;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.tensor.Tensor;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A GGUF file of architecture {@code bert}, as llama.cpp's converter writes it: metadata under
 * {@code bert.*}, tensors named {@code token_embd}, {@code position_embd}, {@code token_types},
 * {@code token_embd_norm} and per layer {@code blk.N.attn_q/k/v/output}, {@code attn_output_norm},
 * {@code ffn_up/down}, {@code layer_output_norm}; the WordPiece vocabulary in the file. GGUF stores
 * linear weights (out, in) already. Tensors view the mapped file.
 */
final class GgufBertCheckpoint extends BertCheckpoint {
    /** Hugging Face module names and their GGUF tensor names (weight and bias follow the same rule). */
    private static final Map<String, String> EMBEDDING_NAMES = Map.of(
            "embeddings.word_embeddings", "token_embd",
            "embeddings.position_embeddings", "position_embd",
            "embeddings.token_type_embeddings", "token_types",
            "embeddings.LayerNorm", "token_embd_norm");
    private static final Map<String, String> LAYER_NAMES = Map.of(
            "attention.self.query", "attn_q",
            "attention.self.key", "attn_k",
            "attention.self.value", "attn_v",
            "attention.output.dense", "attn_output",
            "attention.output.LayerNorm", "attn_output_norm",
            "intermediate.dense", "ffn_up",
            "output.dense", "ffn_down",
            "output.LayerNorm", "layer_output_norm");

    private final GgufFile gguf;

    /** GGUF carries no truncation setting: inputs may fill the model's positions. */
    private GgufBertCheckpoint(GgufFile gguf, BertConfig config, Tokenizer tokenizer) {
        super(config, tokenizer, config.maxPositions());
        this.gguf = gguf;
    }

    static GgufBertCheckpoint open(Path path) throws IOException {
        GgufFile gguf = GgufFile.open(path);
        try {
            String arch = gguf.getString("general.architecture");
            if (!arch.equals("bert")) {
                throw new ModelFormatException(path + ": architecture '" + arch + "' is not bert");
            }
            if (gguf.has("bert.attention.causal") && gguf.getBoolean("bert.attention.causal")) {
                throw new ModelFormatException(path + ": a causal bert is not an encoder this model supports");
            }
            BertConfig config;
            try {
                config = new BertConfig(
                        rows(gguf, "token_embd.weight"),
                        intKey(gguf, "bert.embedding_length"),
                        intKey(gguf, "bert.block_count"),
                        intKey(gguf, "bert.attention.head_count"),
                        intKey(gguf, "bert.feed_forward_length"),
                        intKey(gguf, "bert.context_length"),
                        rows(gguf, "token_types.weight"),
                        (float) gguf.getDouble("bert.attention.layer_norm_epsilon", 1e-12));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(path + ": " + e.getMessage());
            }
            return new GgufBertCheckpoint(gguf, config, Tokenizers.fromGguf(gguf));
        } catch (IOException | RuntimeException e) {
            gguf.close();
            throw e;
        }
    }



    /** GGUF carries no truncation setting: the model's positions. */

    @Override
    String description() {
        return "GGUF " + gguf.path();
    }

    @Override
    Tensor parameter(String name) throws IOException {
        return gguf.tensor(ggufName(name));
    }

    @Override
    public void close() {
        gguf.close();
    }

    /** "encoder.layer.3.intermediate.dense.bias" -> "blk.3.ffn_up.bias". */
    static String ggufName(String name) throws ModelFormatException {
        int dot = name.lastIndexOf('.');
        String module = name.substring(0, Math.max(dot, 0));
        String kind = name.substring(dot + 1);
        String mapped = EMBEDDING_NAMES.get(module);
        if (mapped != null) {
            return mapped + "." + kind;
        }
        if (module.startsWith("encoder.layer.")) {
            int layerEnd = module.indexOf('.', "encoder.layer.".length());
            if (layerEnd > 0) {
                String layer = module.substring("encoder.layer.".length(), layerEnd);
                String part = LAYER_NAMES.get(module.substring(layerEnd + 1));
                if (part != null) {
                    return "blk." + layer + "." + part + "." + kind;
                }
            }
        }
        throw new ModelFormatException("no GGUF tensor corresponds to BERT parameter '" + name + "'");
    }

    private static int rows(GgufFile gguf, String tensor) throws ModelFormatException {
        long[] shape = gguf.tensorInfo(tensor).shape();
        if (shape.length != 2 || shape[0] > Integer.MAX_VALUE) {
            throw new ModelFormatException(gguf.path() + ": '" + tensor + "' is not an embedding table");
        }
        return (int) shape[0];
    }

    private static int intKey(GgufFile gguf, String key) throws ModelFormatException {
        long v = gguf.getLong(key);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new ModelFormatException(gguf.path() + ": '" + key + "' = " + v + " is out of range");
        }
        return (int) v;
    }
}
