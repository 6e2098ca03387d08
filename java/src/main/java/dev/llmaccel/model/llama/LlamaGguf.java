package dev.llmaccel.model.llama;

import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.format.gguf.GgufTensorInfo;
import dev.llmaccel.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads a {@link LlamaConfig} from GGUF metadata, the way llama.cpp does for the architectures
 * llama, qwen2 and qwen3. Keys are prefixed by the architecture ({@code llama.embedding_length},
 * {@code qwen2.attention.head_count}, ...).
 *
 * <p>Rope pairing follows the architecture, as in llama.cpp: llama rotates adjacent pairs
 * ("normal"), qwen2 and qwen3 rotate halves ("neox"). The converters store Q/K weights in the
 * layout their architecture's pairing expects (llama.cpp permutes Hugging Face's llama Q/K rows
 * when converting; llama2.c checkpoints are already interleaved), so no weight is permuted here.
 */
final class LlamaGguf {
    private LlamaGguf() {}

    static LlamaConfig config(GgufFile gguf) throws ModelFormatException {
        String arch = gguf.getString("general.architecture");
        RopeStyle style = switch (arch) {
            case "llama" -> RopeStyle.NORMAL;
            case "qwen2", "qwen3" -> RopeStyle.NEOX;
            default -> throw new ModelFormatException(gguf.path() + ": architecture '" + arch
                    + "' is not a Llama-family decoder this library runs (llama, qwen2, qwen3)");
        };
        // Every integer is range-checked (a UINT64 of 2^32 + 4 must not wrap to 4), and the block
        // count is checked against the tensors before anything is sized by it.
        int dim = positiveKey(gguf, arch + ".embedding_length");
        int heads = positiveKey(gguf, arch + ".attention.head_count");
        int kvHeads = gguf.getInt(arch + ".attention.head_count_kv", 1, heads, heads);
        int headDim = gguf.getInt(arch + ".attention.key_length", 1, Integer.MAX_VALUE, Math.max(1, dim / heads));
        int rotaryDims = gguf.getInt(arch + ".rope.dimension_count", 0, headDim, headDim);
        int hiddenDim = positiveKey(gguf, arch + ".feed_forward_length");
        int layers = positiveKey(gguf, arch + ".block_count");
        int contextLength = positiveKey(gguf, arch + ".context_length");
        if (!gguf.hasTensor("token_embd.weight")) {
            throw new ModelFormatException(gguf.path() + ": tensor token_embd.weight is missing");
        }
        long vocab = gguf.tensorInfo("token_embd.weight").shape()[0];
        double theta = gguf.getDouble(arch + ".rope.freq_base", 10000.0);
        float[] factors = freqFactors(gguf, arch, theta, rotaryDims);
        try {
            return new LlamaConfig(arch, dim, hiddenDim, layers,
                    heads, kvHeads, headDim, Math.toIntExact(vocab),
                    contextLength,
                    (float) gguf.getDouble(arch + ".attention.layer_norm_rms_epsilon"),
                    new RopeParams(style, theta, rotaryDims == headDim ? 0 : rotaryDims, factors),
                    gguf.hasTensor("blk.0.attn_q.bias"),
                    gguf.hasTensor("blk.0.attn_q_norm.weight"),
                    !gguf.hasTensor("output.weight"));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ModelFormatException(gguf.path() + ": inconsistent model metadata: " + e.getMessage(), e);
        }
    }

    /**
     * The blocks whose tensors the file holds (blk.0 .. blk.N-1) must be the block count's: fewer is
     * a model with missing layers, more one whose last layers would go unused (llama.cpp refuses both).
     */
    static void checkBlocks(GgufFile gguf, LlamaConfig c) throws ModelFormatException {
        int layers = c.layers();
        java.util.TreeSet<Integer> present = new java.util.TreeSet<>();  // not a BitSet: blk.2000000000 is one entry
        for (GgufTensorInfo t : gguf.tensors()) {
            String name = t.name();
            if (name.startsWith("blk.")) {
                int dot = name.indexOf('.', 4);
                int block;
                try {
                    block = Integer.parseInt(name.substring(4, dot < 0 ? name.length() : dot));
                } catch (NumberFormatException e) {
                    block = -1;
                }
                if (block < 0) {
                    throw new ModelFormatException(gguf.path() + ": tensor " + ModelFormatException.quote(name) + " is not named blk.<number>.<weight>");
                }
                present.add(block);
            }
        }
        int blocks = present.isEmpty() ? 0 : present.last() + 1;
        if (blocks != layers || present.size() != blocks) {
            throw new ModelFormatException(gguf.path() + ": metadata " + c.architecture() + ".block_count is " + layers
                    + ", but the file holds tensors of " + present.size() + " blocks"
                    + (blocks == 0 ? "" : " (numbered up to blk." + (blocks - 1) + ")")
                    + (blocks > layers ? ": the tensors of blocks " + layers + " and up would go unused" : ""));
        }
    }

    /**
     * Every tensor of the file must be one the model reads (the weights' names, and
     * rope_freqs.weight, which the configuration reads): an unused one means the metadata
     * describes another model than the tensors do, which llama.cpp refuses too.
     */
    static void checkAllUsed(GgufFile gguf, java.util.Set<String> used) throws ModelFormatException {
        java.util.List<String> unused = new java.util.ArrayList<>();
        for (GgufTensorInfo t : gguf.tensors()) {
            if (!used.contains(t.name()) && !t.name().equals("rope_freqs.weight")) {
                unused.add(t.name());
            }
        }
        if (!unused.isEmpty()) {
            throw new ModelFormatException(gguf.path() + ": " + unused.size() + " of its " + gguf.tensors().size()
                    + " tensors are not used by a " + gguf.getString("general.architecture") + " model of this metadata: "
                    + String.join(", ", unused.subList(0, Math.min(5, unused.size()))) + (unused.size() > 5 ? ", ..." : ""));
        }
    }

    /**
     * Per-pair divisors of the rope frequencies: the {@code rope_freqs.weight} tensor that llama.cpp's
     * converter writes for Llama 3.1+, or factors computed from {@code rope.scaling.*} metadata
     * (linear scaling, or Llama 3's smooth scaling); null when the frequencies are unscaled.
     */
    private static float[] freqFactors(GgufFile gguf, String arch, double theta, int rotaryDims) throws ModelFormatException {
        if (gguf.hasTensor("rope_freqs.weight")) {
            Tensor t = gguf.tensor("rope_freqs.weight");
            if (t.elements() != rotaryDims / 2) {
                throw new ModelFormatException(gguf.path() + ": rope_freqs.weight holds " + t.elements()
                        + " factors, the " + rotaryDims + " rotating dimensions need " + rotaryDims / 2);
            }
            return t.toFloatArray();
        }
        // Files older than rope.scaling.* said linear scaling with rope.scale_linear alone.
        double linear = gguf.getDouble(arch + ".rope.scale_linear", 1.0);
        String type = gguf.getString(arch + ".rope.scaling.type", linear != 1.0 ? "linear" : "none").toLowerCase(Locale.ROOT);
        double factor = gguf.getDouble(arch + ".rope.scaling.factor", linear);
        switch (type) {
            case "none":
                return null;
            case "linear": {
                // positions divided by the factor = every frequency divided by it
                if (factor == 1.0) {
                    return null;
                }
                float[] f = new float[rotaryDims / 2];
                Arrays.fill(f, (float) factor);
                return f;
            }
            case "llama3":
                return llama3Factors(theta, rotaryDims, factor,
                        gguf.getDouble(arch + ".rope.scaling.low_freq_factor", 1.0),
                        gguf.getDouble(arch + ".rope.scaling.high_freq_factor", 4.0),
                        gguf.getLong(arch + ".rope.scaling.original_context_length", 8192));
            default:
                throw new ModelFormatException(gguf.path() + ": rope scaling " + ModelFormatException.quote(type) + " is not supported");
        }
    }

    /**
     * Llama 3's rope scaling: wavelengths shorter than originalContext / highFreqFactor keep their
     * frequency, those longer than originalContext / lowFreqFactor are slowed by factor, and the band
     * between is interpolated smoothly (the same formula as Meta's reference and llama.cpp's converter).
     */
    static float[] llama3Factors(double theta, int rotaryDims, double factor, double lowFreqFactor,
            double highFreqFactor, long originalContext) {
        float[] f = new float[rotaryDims / 2];
        double lowFreqWavelength = originalContext / lowFreqFactor;
        double highFreqWavelength = originalContext / highFreqFactor;
        for (int i = 0; i < f.length; i++) {
            double freq = Math.pow(theta, -2.0 * i / rotaryDims);
            double wavelength = 2 * Math.PI / freq;
            if (wavelength < highFreqWavelength) {
                f[i] = 1f;
            } else if (wavelength > lowFreqWavelength) {
                f[i] = (float) factor;
            } else {
                double smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                f[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return f;
    }

    private static int positiveKey(GgufFile gguf, String key) throws ModelFormatException {
        return gguf.getInt(key, 1, Integer.MAX_VALUE);
    }
}
