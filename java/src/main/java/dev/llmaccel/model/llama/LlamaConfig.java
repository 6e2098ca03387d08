package dev.llmaccel.model.llama;

import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import java.util.Objects;

/**
 * The hyper-parameters of a Llama-family decoder (Llama 2/3, Mistral, Qwen2, Qwen3, SmolLM,
 * TinyLlama): everything the forward pass needs besides the weights.
 *
 * @param architecture GGUF's {@code general.architecture} ("llama", "qwen2", "qwen3"), or "llama" for llama2.c files
 * @param dim width of the residual stream (n_embd)
 * @param hiddenDim width of the feed-forward layer (n_ff)
 * @param layers number of transformer blocks
 * @param heads query heads
 * @param kvHeads key/value heads (grouped-query attention when fewer than heads)
 * @param headDim size of each head (usually dim / heads; Qwen3 sets it apart)
 * @param vocabSize rows of the embedding table and of the output layer
 * @param contextLength positions the model was trained for; sessions hold at most this many
 * @param rmsEps epsilon of every RMS norm
 * @param rope rotary embedding: pairing style, theta, rotating dimensions, Llama-3 frequency factors
 * @param qkvBias whether the Q/K/V projections add a bias (Qwen2)
 * @param qkNorm whether queries and keys are RMS-normalised per head before the rotation (Qwen3)
 * @param tiedOutput whether the output layer reuses the token embedding table
 */
public record LlamaConfig(
        String architecture,
        int dim,
        int hiddenDim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        RopeParams rope,
        boolean qkvBias,
        boolean qkNorm,
        boolean tiedOutput) {

    public LlamaConfig {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(rope, "rope");
        positive(dim, "dim");
        positive(hiddenDim, "hidden dim");
        positive(layers, "layers");
        positive(heads, "heads");
        positive(kvHeads, "kv heads");
        positive(headDim, "head dim");
        positive(vocabSize, "vocabulary size");
        positive(contextLength, "context length");
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads are not a multiple of " + kvHeads + " key/value heads");
        }
        if (headDim % 2 != 0 || rope.rotaryDimsFor(headDim) > headDim) {
            throw new IllegalArgumentException("head dim " + headDim + " must be even and hold the "
                    + rope.rotaryDimsFor(headDim) + " rotating dimensions");
        }
        if (!(rmsEps > 0) || Float.isInfinite(rmsEps)) {
            throw new IllegalArgumentException("rms epsilon must be positive and finite, got " + rmsEps);
        }
    }

    /**
     * The configuration a GGUF file's metadata describes (architectures llama, qwen2, qwen3).
     *
     * @throws ModelFormatException when the architecture is not supported or metadata is missing or inconsistent
     */
    public static LlamaConfig fromGguf(GgufFile gguf) throws ModelFormatException {
        return LlamaGguf.config(gguf);
    }

    /** Width of all query heads together (heads * headDim). */
    public int queryDim() {
        return heads * headDim;
    }

    /** Width of all key (or value) heads together (kvHeads * headDim). */
    public int kvDim() {
        return kvHeads * headDim;
    }

    private static void positive(int v, String what) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
    }
}
