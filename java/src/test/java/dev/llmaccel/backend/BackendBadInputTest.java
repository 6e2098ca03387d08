package dev.llmaccel.backend;

import static dev.llmaccel.BadInput.rejects;

import dev.llmaccel.backend.cuda.CudaProbe;
import dev.llmaccel.memory.NativeMemory;
import dev.llmaccel.memory.Tensors;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.MappedFile;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every Backend op, parameter record and Backends.named given bad input: each is refused in Java
 * with a message that names the problem, before any native call, and the library keeps working.
 * The checks live in Backend's final methods, so they run on the native CPU backend and on the
 * reference backend alike.
 */
class BackendBadInputTest {
    private Backend b;

    @BeforeEach
    void open() {
        b = Backends.cpu();
    }

    @AfterEach
    void close() {
        b.close();
    }

    /** Memory on another device: the CPU backend must refuse it without touching it. */
    static final class OtherDeviceMemory implements NativeMemory {
        private final long bytes;

        OtherDeviceMemory(long bytes) {
            this.bytes = bytes;
        }

        @Override
        public Device device() {
            return Device.CUDA;
        }

        @Override
        public long address() {
            return 4096;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public void read(long offset, byte[] dst) {
            throw new UnsupportedOperationException("device memory");
        }

        @Override
        public void read(long offset, float[] dst) {
            throw new UnsupportedOperationException("device memory");
        }

        @Override
        public void write(long offset, byte[] src) {
            throw new UnsupportedOperationException("device memory");
        }

        @Override
        public void write(long offset, float[] src) {
            throw new UnsupportedOperationException("device memory");
        }

        @Override
        public void free() {}
    }

    private static Tensor f32(long... shape) {
        return Tensor.zeros(DType.F32, shape);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void everyOpRefusesNullClosedAndForeignTensors(String name) {
        try (Backend be = Backends.named(name);
             Tensor x = f32(2, 4);
             Tensor out = f32(2, 4);
             Tensor gpu = Tensors.wrap(new OtherDeviceMemory(32), DType.F32, 2, 4)) {
            Tensor closed = f32(2, 4);
            closed.close();
            rejects(NullPointerException.class, () -> be.add(out, x, null), "null");
            rejects(IllegalStateException.class, () -> be.add(out, x, closed), "closed");
            rejects(IllegalStateException.class, () -> be.add(closed, x, x), "closed");
            rejects(IllegalArgumentException.class, () -> be.add(out, x, gpu), "tensor on CUDA");
            rejects(IllegalArgumentException.class, () -> be.gelu(gpu, x), "tensor on CUDA");
            rejects(UnsupportedOperationException.class, () -> be.upload(gpu), "cannot take tensors from CUDA");
        }
    }

    @Test
    void outputsMustBeWritable(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.bin");
        Files.write(file, new byte[64]);
        try (MappedFile mf = MappedFile.open(file);
             Tensor ro = Tensor.mapped(mf, 0, DType.F32, 4, 4);
             Tensor x = f32(4, 4)) {
            rejects(IllegalArgumentException.class, () -> b.gelu(ro, x), "read-only");
            rejects(IllegalArgumentException.class, () -> b.copy(ro, x), "read-only");
            rejects(IllegalArgumentException.class, () -> b.rope(ro.view(4, 1, 4), 0, RopeParams.of(RopeStyle.NORMAL, 1e4)),
                    "read-only");
        }
    }

    @Test
    void copyNeedsEqualTypesAndShapesAndNoPartialOverlap() {
        try (Tensor a = f32(2, 3);
             Tensor c = f32(3, 2);
             Tensor h = Tensor.zeros(DType.F16, 2, 3);
             Tensor big = f32(4, 3);
             Tensor top = big.rows(0, 2);
             Tensor shifted = big.rows(1, 2)) {
            rejects(IllegalArgumentException.class, () -> b.copy(a, c), "equal types and shapes");
            rejects(IllegalArgumentException.class, () -> b.copy(a, h), "equal types and shapes");
            rejects(IllegalArgumentException.class, () -> b.copy(top, shifted), "overlaps");
        }
    }

    @Test
    void embeddingChecksShapesIdsAndOverlap() {
        try (Tensor table = Tensor.of(new float[4 * 3], 4, 3);
             Tensor out = f32(2, 3);
             Tensor half = Tensor.zeros(DType.F16, 2, 3);
             Tensor vector = f32(12)) {
            rejects(NullPointerException.class, () -> b.embedding(out, table, null), "ids");
            rejects(IndexOutOfBoundsException.class, () -> b.embedding(out, table, new int[] {0, 4}), "token id 4",
                    "[0, 4)");
            rejects(IndexOutOfBoundsException.class, () -> b.embedding(out, table, new int[] {-1, 0}), "token id -1");
            rejects(IllegalArgumentException.class, () -> b.embedding(out, table, new int[] {0}), "(1, 3)");
            rejects(IllegalArgumentException.class, () -> b.embedding(half, table, new int[] {0, 1}), "must be F32");
            rejects(IllegalArgumentException.class, () -> b.embedding(out, vector, new int[] {0, 1}), "2 dimensions");
            try (Tensor inside = table.rows(1, 2)) {
                rejects(IllegalArgumentException.class, () -> b.embedding(inside, table, new int[] {0, 3}), "overlaps");
            }
        }
    }

    @Test
    void matmulChecksShapesTypesAndOverlap() {
        try (Tensor x = f32(3, 8);
             Tensor w = f32(5, 8);
             Tensor out = f32(3, 5);
             Tensor wrong = f32(3, 4);
             Tensor wide = f32(3, 7);
             Tensor hx = Tensor.zeros(DType.F16, 3, 8);
             Tensor w1 = f32(40)) {
            rejects(IllegalArgumentException.class, () -> b.matmul(out, wide, w), "last dimension must be 8");
            rejects(IllegalArgumentException.class, () -> b.matmul(wrong, x, w), "(3, 5)");
            rejects(IllegalArgumentException.class, () -> b.matmul(out, hx, w), "must be F32");
            rejects(IllegalArgumentException.class, () -> b.matmul(out, x, w1), "2 dimensions");
            try (Tensor sharedOut = x.view(24).rows(0, 15).view(3, 5)) {
                rejects(IllegalArgumentException.class, () -> b.matmul(sharedOut, x, w), "share memory");
            }
            try (Tensor inW = w.view(40).rows(0, 15).view(3, 5)) {
                rejects(IllegalArgumentException.class, () -> b.matmul(inW, x, w), "overlaps");
            }
        }
    }

    @Test
    void normsCheckWeightsEpsilonAndOverlap() {
        try (Tensor x = f32(2, 4);
             Tensor out = f32(2, 4);
             Tensor w = f32(4);
             Tensor w3 = f32(3);
             Tensor other = f32(4, 2)) {
            rejects(IllegalArgumentException.class, () -> b.rmsNorm(out, x, w3, 1e-5f), "weight must be F32 (4)");
            rejects(IllegalArgumentException.class, () -> b.rmsNorm(out, x, w, -1f), "epsilon");
            rejects(IllegalArgumentException.class, () -> b.rmsNorm(out, x, w, Float.NaN), "epsilon");
            rejects(IllegalArgumentException.class, () -> b.rmsNorm(out, x, w, Float.POSITIVE_INFINITY), "epsilon");
            rejects(IllegalArgumentException.class, () -> b.rmsNorm(other, x, w, 1e-5f), "equal shapes");
            rejects(IllegalArgumentException.class, () -> b.layerNorm(out, x, w, w3, 1e-5f), "bias must be F32 (4)");
            rejects(IllegalArgumentException.class, () -> b.layerNorm(out, x, w3, null, 1e-5f), "weight");
            try (Tensor row = out.rows(1, 1).view(4)) {
                rejects(IllegalArgumentException.class, () -> b.rmsNorm(row, row, row, 1e-5f), "overlaps");
                rejects(IllegalArgumentException.class, () -> b.layerNorm(row, row, w, row, 1e-5f), "overlaps");
            }
            try (Tensor big = f32(3, 4);
                 Tensor a = big.rows(0, 2);
                 Tensor c = big.rows(1, 2)) {
                rejects(IllegalArgumentException.class, () -> b.rmsNorm(a, c, w, 1e-5f), "overlaps");
            }
        }
    }

    @Test
    void ropeChecksRankHeadSizeFactorsAndPosition() {
        RopeParams p = RopeParams.of(RopeStyle.NEOX, 1e4);
        try (Tensor x = f32(3, 2, 8);
             Tensor flat = f32(3, 16);
             Tensor odd = f32(3, 2, 7)) {
            rejects(IllegalArgumentException.class, () -> b.rope(flat, 0, p), "(seq, heads, headDim)");
            rejects(IllegalArgumentException.class, () -> b.rope(odd, 0, p), "even head size");
            rejects(IllegalArgumentException.class, () -> b.rope(x, 0, new RopeParams(RopeStyle.NORMAL, 1e4, 10, null)),
                    "rotary dimensions 10");
            rejects(IllegalArgumentException.class, () -> b.rope(x, 0, new RopeParams(RopeStyle.NORMAL, 1e4, 0,
                    new float[3])), "rope frequency factors must be positive");
            rejects(IllegalArgumentException.class, () -> b.rope(x, 0, new RopeParams(RopeStyle.NORMAL, 1e4, 0,
                    new float[] {1, 1, 1})), "4 entries");
            rejects(IllegalArgumentException.class, () -> b.rope(x, -1, p), "offset -1");
            rejects(IllegalArgumentException.class, () -> b.rope(x, Integer.MAX_VALUE - 2, p), "out of range");
            rejects(NullPointerException.class, () -> b.rope(x, 0, null), "params");
        }
    }

    @Test
    void ropeParamsRejectBadSettings() {
        rejects(NullPointerException.class, () -> new RopeParams(null, 1e4, 0, null), "style");
        rejects(IllegalArgumentException.class, () -> RopeParams.of(RopeStyle.NORMAL, 0), "theta");
        rejects(IllegalArgumentException.class, () -> RopeParams.of(RopeStyle.NORMAL, Double.NaN), "theta");
        rejects(IllegalArgumentException.class, () -> RopeParams.of(RopeStyle.NORMAL, Double.POSITIVE_INFINITY), "theta");
        rejects(IllegalArgumentException.class, () -> new RopeParams(RopeStyle.NORMAL, 1e4, 3, null), "even");
        rejects(IllegalArgumentException.class, () -> new RopeParams(RopeStyle.NORMAL, 1e4, -2, null), "even");
        rejects(IllegalArgumentException.class, () -> new RopeParams(RopeStyle.NORMAL, 1e4, 4, new float[] {1, Float.NaN}),
                "factors");
        rejects(IllegalArgumentException.class, () -> new RopeParams(RopeStyle.NORMAL, 1e4, 4,
                new float[] {1, Float.POSITIVE_INFINITY}), "factors");
    }

    @Test
    void elementwiseOpsCheckShapesTypesAndOverlap() {
        try (Tensor a = f32(2, 4);
             Tensor out = f32(2, 4);
             Tensor c = f32(4, 2);
             Tensor row3 = f32(3);
             Tensor h = Tensor.zeros(DType.F16, 2, 4);
             Tensor scalar = f32()) {
            rejects(IllegalArgumentException.class, () -> b.swiglu(out, a, c), "equal shapes");
            rejects(IllegalArgumentException.class, () -> b.gelu(out, h), "must be F32");
            rejects(IllegalArgumentException.class, () -> b.softmax(scalar, scalar), "at least one dimension");
            rejects(IllegalArgumentException.class, () -> b.add(out, a, row3), "one row");
            rejects(IllegalArgumentException.class, () -> b.add(out, a, c), "one row");
            rejects(IllegalArgumentException.class, () -> b.l2Normalize(out, c), "equal shapes");
            try (Tensor big = f32(3, 4);
                 Tensor first = big.rows(0, 2);
                 Tensor second = big.rows(1, 2);
                 Tensor lastRow = big.rows(2, 1).view(4)) {
                rejects(IllegalArgumentException.class, () -> b.swiglu(first, a, second), "overlaps");
                rejects(IllegalArgumentException.class, () -> b.gelu(first, second), "overlaps");
                rejects(IllegalArgumentException.class, () -> b.softmax(first, second), "overlaps");
                rejects(IllegalArgumentException.class, () -> b.add(second, a, lastRow), "overlaps");
                b.swiglu(first, first, first);  // in place is fine
            }
        }
    }

    @Test
    void attentionChecksHeadsLengthsMaskAndOverlap() {
        AttentionParams p = new AttentionParams(0.5f, true, 0, 0, 4, null);
        try (Tensor q = f32(1, 2, 4, 8);
             Tensor out = f32(1, 2, 4, 8);
             Tensor k = f32(1, 4, 2, 8);
             Tensor v = f32(1, 4, 2, 8);
             Tensor k3 = f32(1, 4, 3, 8);
             Tensor v3 = f32(1, 4, 3, 8);
             Tensor kb = f32(2, 4, 2, 8);
             Tensor vb = f32(2, 4, 2, 8);
             Tensor k6 = f32(1, 4, 2, 6);
             Tensor flat = f32(2, 32)) {
            rejects(NullPointerException.class, () -> b.attention(out, q, k, v, null), "params");
            rejects(IllegalArgumentException.class, () -> b.attention(out, q, k3, v3, p), "not a multiple of 3");
            rejects(IllegalArgumentException.class, () -> b.attention(out, q, k, v,
                    new AttentionParams(0.5f, true, 0, 0, 5, null)), "kv length 5", "4 key rows");
            rejects(IllegalArgumentException.class, () -> b.attention(out, q, k, v,
                    new AttentionParams(0.5f, false, 0, 0, 4, new int[3])), "mask", "got 3");
            rejects(IllegalArgumentException.class, () -> b.attention(out, q, k, v3, p), "same shape");
            rejects(IllegalArgumentException.class, () -> b.attention(out, q, kb, vb, p), "must be (1, capacity");
            rejects(IllegalArgumentException.class, () -> b.attention(out, q, k6, k6, p), "must be (1, capacity");
            rejects(IllegalArgumentException.class, () -> b.attention(flat, flat, k, v, p), "(batch, len, heads, headDim)");
            try (Tensor inK = k.view(64).view(1, 2, 4, 8)) {
                rejects(IllegalArgumentException.class, () -> b.attention(inK, q, k, v, p), "overlaps");
            }
            try (Tensor qRows = f32(3, 4, 8);
                 Tensor q2 = qRows.rows(0, 2);
                 Tensor out2 = qRows.rows(1, 2)) {
                rejects(IllegalArgumentException.class, () -> b.attention(out2, q2, k, v, p), "overlaps");
            }
        }
    }

    @Test
    void attentionParamsRejectBadSettings() {
        rejects(IllegalArgumentException.class, () -> new AttentionParams(0f, true, 0, 0, 1, null), "scale");
        rejects(IllegalArgumentException.class, () -> new AttentionParams(Float.NaN, true, 0, 0, 1, null), "scale");
        rejects(IllegalArgumentException.class, () -> new AttentionParams(Float.POSITIVE_INFINITY, true, 0, 0, 1, null),
                "scale");
        rejects(IllegalArgumentException.class, () -> new AttentionParams(1f, true, -1, 0, 1, null), "window");
        rejects(IllegalArgumentException.class, () -> new AttentionParams(1f, true, 0, -1, 1, null), "query position");
        rejects(IllegalArgumentException.class, () -> new AttentionParams(1f, true, 0, 0, -1, null), "kv length");
    }

    @Test
    void poolChecksModeShapesAndMask() {
        try (Tensor x = f32(2, 3, 4);
             Tensor out = f32(2, 4);
             Tensor wrong = f32(3, 4);
             Tensor flat = f32(6, 4)) {
            rejects(NullPointerException.class, () -> b.pool(out, x, null, null), "mode");
            rejects(IllegalArgumentException.class, () -> b.pool(out, flat, null, Pooling.MEAN), "3 dimensions");
            rejects(IllegalArgumentException.class, () -> b.pool(wrong, x, null, Pooling.MEAN), "(2, 4)");
            rejects(IllegalArgumentException.class, () -> b.pool(out, x, new int[5], Pooling.CLS), "batch * seq = 6");
            try (Tensor inside = x.view(24).rows(0, 8).view(2, 4)) {
                rejects(IllegalArgumentException.class, () -> b.pool(inside, x, null, Pooling.LAST), "share memory");
            }
        }
    }

    @Test
    void sampleChecksLogitsTokensBiasAndDraw() {
        SamplingParams greedy = SamplingParams.greedy();
        try (Tensor logits = Tensor.of(new float[] {1, 2, 3, 4}, 4);
             Tensor matrix = f32(2, 4);
             Tensor half = Tensor.zeros(DType.F16, 4);
             Tensor empty = f32(0)) {
            rejects(IllegalArgumentException.class, () -> b.sample(matrix, greedy, new int[0], 0.5), "1 dimensions");
            rejects(IllegalArgumentException.class, () -> b.sample(half, greedy, new int[0], 0.5), "must be F32");
            rejects(IllegalArgumentException.class, () -> b.sample(empty, greedy, new int[0], 0.5), "empty vocabulary");
            rejects(NullPointerException.class, () -> b.sample(logits, null, new int[0], 0.5), "params");
            rejects(NullPointerException.class, () -> b.sample(logits, greedy, null, 0.5), "recentTokens");
            rejects(IndexOutOfBoundsException.class, () -> b.sample(logits, greedy, new int[] {4}, 0.5),
                    "recent token 4");
            rejects(IndexOutOfBoundsException.class, () -> b.sample(logits, greedy, new int[] {-1}, 0.5),
                    "recent token -1");
            rejects(IndexOutOfBoundsException.class, () -> b.sample(logits, greedy.withLogitBias(Map.of(9, 1f)),
                    new int[0], 0.5), "logit bias for token 9");
            for (double u : new double[] {1.0, -0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
                rejects(IllegalArgumentException.class, () -> b.sample(logits, greedy, new int[0], u), "uniform draw");
            }
        }
    }

    @Test
    void samplingParamsRejectBadSettings() {
        SamplingParams s = SamplingParams.ofTemperature(1f);
        for (float t : new float[] {-1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            rejects(IllegalArgumentException.class, () -> s.withTemperature(t), "temperature");
        }
        rejects(IllegalArgumentException.class, () -> s.withTopK(-1), "top-k");
        for (float p : new float[] {0f, -0.5f, 1.5f, Float.NaN}) {
            rejects(IllegalArgumentException.class, () -> s.withTopP(p), "top-p");
        }
        for (float p : new float[] {1f, -0.1f, Float.NaN}) {
            rejects(IllegalArgumentException.class, () -> s.withMinP(p), "min-p");
        }
        for (float r : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            rejects(IllegalArgumentException.class, () -> s.withPenalties(r, 0f, 0f), "repetition penalty");
        }
        rejects(IllegalArgumentException.class, () -> s.withPenalties(1f, Float.NaN, 0f), "finite");
        rejects(IllegalArgumentException.class, () -> s.withPenalties(1f, 0f, Float.NEGATIVE_INFINITY), "finite");
        rejects(IllegalArgumentException.class, () -> s.withLogitBias(Map.of(-3, 1f)), "negative token id -3");
        rejects(IllegalArgumentException.class, () -> s.withLogitBias(Map.of(3, Float.NaN)), "NaN");
        Map<Integer, Float> nullKey = new HashMap<>();
        nullKey.put(null, 1f);
        rejects(NullPointerException.class, () -> s.withLogitBias(nullKey));
    }

    @Test
    void namedRejectsUnknownNames() {
        rejects(IllegalArgumentException.class, () -> Backends.named("tpu"), "unknown backend 'tpu'", "cpu, cuda or reference");
        rejects(IllegalArgumentException.class, () -> Backends.named(""), "unknown backend");
        rejects(NullPointerException.class, () -> Backends.named(null));
        try (Backend upper = Backends.named("CPU")) {
            org.junit.jupiter.api.Assertions.assertEquals("cpu", upper.name());
        }
    }

    @Test
    void namedCudaWithoutAGpuSaysWhy() {
        CudaProbe.Result probe = CudaProbe.probe();
        Assumptions.assumeFalse(probe.usable(), "a usable GPU is present: nothing to refuse");
        rejects(IllegalArgumentException.class, () -> Backends.named("cuda"), "cuda is not usable here",
                probe.description());
    }
}
