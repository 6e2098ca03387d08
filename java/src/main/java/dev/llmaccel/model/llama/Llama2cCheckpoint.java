package dev.llmaccel.model.llama;

import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.MappedFile;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A checkpoint in karpathy/llama2.c's format: a header of seven int32 (dim, hidden dim, layers,
 * heads, kv heads, vocabulary size, max sequence length; a negative vocabulary size means the
 * classifier is stored apart instead of shared with the embedding), then float32 weights in a
 * fixed order. Rope is the interleaved ("normal") pairing with theta 10000, RMS epsilon 1e-5.
 *
 * <p>The tensors view the mapped file; they are named as in GGUF so that one loader serves both.
 */
final class Llama2cCheckpoint {
    private static final int HEADER_BYTES = 7 * 4;
    private static final float RMS_EPS = 1e-5f;
    private static final double ROPE_THETA = 10000;

    final LlamaConfig config;
    final Map<String, Tensor> tensors;

    private Llama2cCheckpoint(LlamaConfig config, Map<String, Tensor> tensors) {
        this.config = config;
        this.tensors = tensors;
    }

    /** Reads the header and lays the weights over the mapped file (which must stay open). */
    static Llama2cCheckpoint read(MappedFile file) throws ModelFormatException {
        Path path = file.path();
        if (file.size() < HEADER_BYTES) {
            throw new ModelFormatException(path + ": " + file.size() + " bytes is too short for a llama2.c checkpoint header");
        }
        ByteBuffer header = ByteBuffer.wrap(file.read(0, HEADER_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        int dim = header.getInt();
        int hidden = header.getInt();
        int layers = header.getInt();
        int heads = header.getInt();
        int kvHeads = header.getInt();
        int vocab = header.getInt();
        int seqLen = header.getInt();
        boolean shared = vocab > 0;
        vocab = Math.abs(vocab);
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
                || dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0) {
            throw new ModelFormatException(path + ": not a llama2.c checkpoint (header dim=" + dim + " hidden=" + hidden
                    + " layers=" + layers + " heads=" + heads + " kvHeads=" + kvHeads + " vocab=" + vocab
                    + " seqLen=" + seqLen + ")");
        }
        int headDim = dim / heads;
        LlamaConfig config = new LlamaConfig("llama", dim, hidden, layers, heads, kvHeads, headDim, vocab, seqLen,
                RMS_EPS, RopeParams.of(RopeStyle.NORMAL, ROPE_THETA), false, false, shared);

        Layout layout = new Layout(file, layers);
        Map<String, Tensor> t = new HashMap<>();
        try {
            t.put("token_embd.weight", layout.next(vocab, dim));
            layout.perLayer(t, "attn_norm.weight", dim);
            layout.perLayer(t, "attn_q.weight", config.queryDim(), dim);
            layout.perLayer(t, "attn_k.weight", config.kvDim(), dim);
            layout.perLayer(t, "attn_v.weight", config.kvDim(), dim);
            layout.perLayer(t, "attn_output.weight", dim, config.queryDim());
            layout.perLayer(t, "ffn_norm.weight", dim);
            layout.perLayer(t, "ffn_gate.weight", hidden, dim);
            layout.perLayer(t, "ffn_down.weight", dim, hidden);
            layout.perLayer(t, "ffn_up.weight", hidden, dim);
            t.put("output_norm.weight", layout.next(dim));
            layout.skip((long) seqLen * headDim);  // the precomputed rope tables (cos and sin halves), unused
            if (!shared) {
                t.put("output.weight", layout.next(vocab, dim));
            }
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(path + ": the file is too short for the weights its header describes ("
                    + file.size() + " bytes)", e);
        }
        return new Llama2cCheckpoint(config, t);
    }

    /** Walks the float32 weights in file order. */
    private static final class Layout {
        private final MappedFile file;
        private final int layers;
        private long offset = HEADER_BYTES;

        Layout(MappedFile file, int layers) {
            this.file = file;
            this.layers = layers;
        }

        Tensor next(long... shape) {
            Tensor t = Tensor.mapped(file, offset, DType.F32, shape);
            offset += t.bytes();
            return t;
        }

        /** llama2.c stores each weight kind for all layers together: (layers, ...shape). */
        void perLayer(Map<String, Tensor> out, String name, long... shape) {
            for (int l = 0; l < layers; l++) {
                out.put("blk." + l + "." + name, next(shape));
            }
        }

        void skip(long floats) {
            offset += floats * Float.BYTES;
        }
    }
}
