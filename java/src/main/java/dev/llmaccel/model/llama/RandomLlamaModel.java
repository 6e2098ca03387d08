package dev.llmaccel.model.llama;

import dev.llmaccel.format.gguf.GgufWriter;
import dev.llmaccel.tensor.Codec;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Writes GGUF files of any Llama-family shape with seeded random weights, for tests and
 * benchmarks (the speed of a forward pass does not depend on the values). Matrices are of one
 * weight type, norms and biases F32; values are streamed, so files of billions of weights need no
 * memory. The vocabulary is a SentencePiece one ({@code <unk>}, {@code <s>}, {@code </s>}, the 256
 * byte tokens, then filler pieces) so that llama.cpp also loads the files.
 */
public final class RandomLlamaModel {
    /** Rows generated and encoded at a time. */
    private static final int CHUNK_VALUES = 1 << 20;
    private static final int SPECIAL_AND_BYTE_TOKENS = 3 + 256;

    private RandomLlamaModel() {}

    /**
     * Writes path with config's shapes and metadata.
     *
     * @param weightType type of every matrix (token embedding and output included)
     * @throws IllegalArgumentException when the vocabulary is too small for the byte tokens, or a
     *     matrix row is not a multiple of the weight type's block size
     */
    public static void write(Path path, LlamaConfig config, DType weightType, long seed) throws IOException {
        write(path, config, weightType, seed, List.of());
    }

    /**
     * Writes path with config's shapes and metadata, and pieces of one's own in the vocabulary
     * right after the byte tokens (SentencePiece text: U+2581 for a space), filler after them.
     *
     * @throws IllegalArgumentException when the vocabulary is too small for the special tokens,
     *     the bytes and the pieces, or a matrix row is not a multiple of the weight type's block size
     */
    public static void write(Path path, LlamaConfig config, DType weightType, long seed, List<String> pieces) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(pieces, "pieces");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(weightType, "weightType");
        if (config.vocabSize() < SPECIAL_AND_BYTE_TOKENS + pieces.size()) {
            throw new IllegalArgumentException("the vocabulary needs at least " + (SPECIAL_AND_BYTE_TOKENS + pieces.size())
                    + " tokens (3 special, 256 bytes, " + pieces.size() + " pieces), got " + config.vocabSize());
        }
        String a = config.architecture();
        LlamaConfig c = config;
        try (GgufWriter w = GgufWriter.create(path)) {
            w.put("general.architecture", a).put("general.name", "random " + a);
            w.putUint32(a + ".context_length", c.contextLength());
            w.putUint32(a + ".embedding_length", c.dim());
            w.putUint32(a + ".block_count", c.layers());
            w.putUint32(a + ".feed_forward_length", c.hiddenDim());
            w.putUint32(a + ".attention.head_count", c.heads());
            w.putUint32(a + ".attention.head_count_kv", c.kvHeads());
            w.putUint32(a + ".attention.key_length", c.headDim());
            w.putUint32(a + ".attention.value_length", c.headDim());
            w.putUint32(a + ".rope.dimension_count", c.rope().rotaryDimsFor(c.headDim()));
            w.putFloat32(a + ".rope.freq_base", (float) c.rope().theta());
            w.putFloat32(a + ".attention.layer_norm_rms_epsilon", c.rmsEps());
            vocabulary(w, c.vocabSize(), pieces);

            Values v = new Values(seed);
            matrix(w, v, "token_embd.weight", weightType, c.vocabSize(), c.dim(), 1.0);
            if (c.rope().freqFactors() != null) {
                w.addTensor("rope_freqs.weight", DType.F32, new long[] {c.rope().freqFactors().length},
                        out -> out.write(floatBytes(c.rope().freqFactors())));
            }
            double inDim = 1 / Math.sqrt(c.dim());
            for (int l = 0; l < c.layers(); l++) {
                String p = "blk." + l + ".";
                norm(w, v, p + "attn_norm.weight", c.dim());
                matrix(w, v, p + "attn_q.weight", weightType, c.queryDim(), c.dim(), inDim);
                matrix(w, v, p + "attn_k.weight", weightType, c.kvDim(), c.dim(), inDim);
                matrix(w, v, p + "attn_v.weight", weightType, c.kvDim(), c.dim(), inDim);
                if (c.qkvBias()) {
                    vector(w, v, p + "attn_q.bias", c.queryDim(), 0.0, 0.5);
                    vector(w, v, p + "attn_k.bias", c.kvDim(), 0.0, 0.5);
                    vector(w, v, p + "attn_v.bias", c.kvDim(), 0.0, 0.5);
                }
                if (c.qkNorm()) {
                    norm(w, v, p + "attn_q_norm.weight", c.headDim());
                    norm(w, v, p + "attn_k_norm.weight", c.headDim());
                }
                matrix(w, v, p + "attn_output.weight", weightType, c.dim(), c.queryDim(), 1 / Math.sqrt(c.queryDim()));
                norm(w, v, p + "ffn_norm.weight", c.dim());
                matrix(w, v, p + "ffn_gate.weight", weightType, c.hiddenDim(), c.dim(), inDim);
                matrix(w, v, p + "ffn_up.weight", weightType, c.hiddenDim(), c.dim(), inDim);
                matrix(w, v, p + "ffn_down.weight", weightType, c.dim(), c.hiddenDim(), 1 / Math.sqrt(c.hiddenDim()));
            }
            norm(w, v, "output_norm.weight", c.dim());
            if (!c.tiedOutput()) {
                matrix(w, v, "output.weight", weightType, c.vocabSize(), c.dim(), inDim);
            }
        }
    }

    /** SentencePiece vocabulary: unknown, BOS, EOS, 256 byte tokens, the pieces, then "▁tN" filler pieces. */
    private static void vocabulary(GgufWriter w, int size, List<String> pieces) {
        List<String> tokens = new ArrayList<>(size);
        float[] scores = new float[size];
        int[] types = new int[size];
        tokens.add("<unk>");
        types[0] = 2;
        tokens.add("<s>");
        types[1] = 3;
        tokens.add("</s>");
        types[2] = 3;
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types[3 + b] = 6;
        }
        for (int i = SPECIAL_AND_BYTE_TOKENS; i < size; i++) {
            int piece = i - SPECIAL_AND_BYTE_TOKENS;
            tokens.add(piece < pieces.size() ? pieces.get(piece) : "\u2581t" + i);
            types[i] = 1;
            scores[i] = -i;
        }
        w.put("tokenizer.ggml.model", "llama");
        w.putStringArray("tokenizer.ggml.tokens", tokens);
        w.putFloat32Array("tokenizer.ggml.scores", scores);
        w.putInt32Array("tokenizer.ggml.token_type", types);
        w.putUint32("tokenizer.ggml.unknown_token_id", 0);
        w.putUint32("tokenizer.ggml.bos_token_id", 1);
        w.putUint32("tokenizer.ggml.eos_token_id", 2);
    }

    /** A (rows, cols) matrix of uniform values with standard deviation scale, in type. */
    private static void matrix(GgufWriter w, Values v, String name, DType type, long rows, long cols, double scale) {
        long seed = v.nextSeed();
        w.addTensor(name, type, new long[] {rows, cols}, out -> stream(out, type, rows * cols, seed, 0.0, scale));
    }

    private static void norm(GgufWriter w, Values v, String name, long n) {
        vector(w, v, name, n, 1.0, 0.1);
    }

    private static void vector(GgufWriter w, Values v, String name, long n, double mean, double scale) {
        long seed = v.nextSeed();
        w.addTensor(name, DType.F32, new long[] {n}, out -> stream(out, DType.F32, n, seed, mean, scale));
    }

    /** Writes n values (a multiple of the block size) chunk by chunk, encoded in type. */
    private static void stream(OutputStream out, DType type, long n, long seed, double mean, double scale)
            throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        double half = scale * Math.sqrt(3);  // uniform on [-half, half] has standard deviation scale
        int chunk = CHUNK_VALUES - CHUNK_VALUES % type.blockSize();
        float[] values = new float[chunk];
        for (long done = 0; done < n; done += chunk) {
            int count = (int) Math.min(chunk, n - done);
            for (int i = 0; i < count; i++) {
                values[i] = (float) (mean + (2 * r.nextDouble() - 1) * half);
            }
            float[] part = count == values.length ? values : java.util.Arrays.copyOf(values, count);
            out.write(type == DType.F32 ? floatBytes(part) : Codec.encode(type, part));
        }
    }

    private static byte[] floatBytes(float[] x) {
        ByteBuffer b = ByteBuffer.allocate(x.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        return b.array();
    }

    /** One seed per tensor, so each tensor's values do not depend on how the others were chunked. */
    private static final class Values {
        private final SplittableRandom seeds;

        Values(long seed) {
            seeds = new SplittableRandom(seed);
        }

        long nextSeed() {
            return seeds.nextLong();
        }
    }
}
