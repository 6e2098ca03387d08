package dev.llmaccel.backend;

import static dev.llmaccel.backend.TestData.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.llmaccel.backend.OpSuite.OpCase;
import dev.llmaccel.backend.OpSuite.Target;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every op × type × awkward shape from one case list, at every target: the CPU backend at each
 * instruction-set level of its kernels (portable, AVX2, AVX-512) and every other native backend
 * present, against ReferenceBackend on the same seeded inputs (computed once per case). Outputs
 * start as NaN between guard sentinels (see {@link OpSuite.Run}), so an unwritten element or a
 * write past an output fails; NaN never passes; each op has its own bound on ‖out − ref‖ / ‖ref‖.
 * A level this CPU lacks, an absent backend and an op a backend leaves to its fallback show as
 * skipped, with the reason.
 */
class OpSuiteTest {

    /** Types whose matmul may quantize activations to 8 bits, as GGUF runtimes do. */
    private static double matmulBound(DType t) {
        return switch (t) {
            case F32 -> 1e-5;
            case F16, BF16 -> 2e-3;
            default -> 1e-2;
        };
    }

    static final DType[] ALL_TYPES = DType.values();

    static List<OpCase> cases() {
        List<OpCase> cases = new ArrayList<>();
        addMatmul(cases);
        addEmbedding(cases);
        addRowFamily(cases);
        addRope(cases);
        addRopeRows(cases);
        addElementwiseFamily(cases);
        addAdd(cases);
        addAttention(cases);
        addLlamaAttention(cases);
        addPagedAttention(cases);
        addPooling(cases);
        return cases;
    }

    // ---- matmul ----------------------------------------------------------------------------------

    static void addMatmul(List<OpCase> cases) {
        addMatmul(cases, Long.MAX_VALUE);
    }

    /** The matmul cases whose weight matrix has at most maxWeights elements. */
    static void addMatmul(List<OpCase> cases, long maxWeights) {
        long[][] shapes = {{1, 256, 1}, {1, 256, 5}, {5, 512, 7}, {7, 768, 13}, {13, 256, 17}, {33, 512, 64},
                           {1, 4096, 4097}, {6, 1536, 130}};
        // k = 576: SmolLM2's width (an even number of 32-value blocks, not of 256-value ones)
        long[][] small = {{1, 32, 3}, {3, 96, 5}, {4097, 64, 1}, {1, 576, 1536}, {9, 576, 576}, {1, 576, 8192}};
        // k not a multiple of 32 (float types only): GEMM depth blocks with a short last one, and
        // more columns per thread than one packed block of the AVX-512 GEMM holds
        long[][] unblocked = {{5, 3, 40}, {19, 300, 1100}};
        for (DType t : ALL_TYPES) {
            List<long[]> list = new ArrayList<>(List.of(shapes));
            if (t.blockSize() <= 32) {
                list.addAll(List.of(small));
            }
            if (t.blockSize() == 1) {
                list.addAll(List.of(unblocked));
            }
            for (long[] s : list) {
                long n = s[0], k = s[1], m = s[2];
                if (m * k > maxWeights) {
                    continue;
                }
                cases.add(new OpCase("matmul " + t + " n=" + n + " k=" + k + " m=" + m, matmulBound(t), (b, r) -> {
                    try (Tensor x = r.input(DType.F32, 1, 1, n, k);
                         Tensor w = r.input(t, 2, 0.5, m, k);
                         Tensor out = r.output(n, m)) {
                        b.matmul(out, x, w);
                        return out.toFloatArray();
                    }
                }));
            }
        }
    }

    // ---- embedding -------------------------------------------------------------------------------

    static void addEmbedding(List<OpCase> cases) {
        long[][] shapes = {{1, 256}, {13, 256}, {4097, 512}};
        for (DType t : ALL_TYPES) {
            for (long[] s : shapes) {
                long vocab = s[0], d = s[1];
                for (int n : new int[] {1, 7, 13}) {
                    cases.add(new OpCase("embedding " + t + " vocab=" + vocab + " d=" + d + " n=" + n, 1e-6, (b, r) -> {
                        Random random = new Random(n);
                        int[] ids = new int[n];
                        for (int i = 0; i < n; i++) {
                            ids[i] = i == n - 1 ? (int) vocab - 1 : random.nextInt((int) vocab);
                        }
                        try (Tensor table = r.input(t, 3, 1, vocab, d);
                             Tensor out = r.output(n, d)) {
                            b.embedding(out, table, ids);
                            return out.toFloatArray();
                        }
                    }));
                }
            }
        }
    }

    // ---- the row family: norms, softmax -----------------------------------------------------------

    /** The epsilons the row cases pass, the first ones an op takes. */
    private static final float[] EPSILONS = {1e-5f};

    /**
     * Every op of the row family, from its description alone (see {@link Rowwise}): rows of one
     * element, of lengths around the vector widths, a long row; inputs of scale 1 and 30 (softmax's
     * exponents over a wide range); with and without an optional vector; and in place.
     */
    static void addRowFamily(List<OpCase> cases) {
        long[][] shapes = {{1, 1}, {3, 5}, {7, 13}, {2, 4097}, {13, 64}};
        for (Op op : Op.values()) {
            if (!op.isRowwise()) {
                continue;
            }
            Rowwise rw = op.rowwise();
            String optional = rw.optionalLast() ? rw.vectors().get(rw.vectors().size() - 1) : null;
            for (long[] s : shapes) {
                for (double scale : new double[] {1, 30}) {
                    for (boolean absent : optional == null ? new boolean[] {false} : new boolean[] {false, true}) {
                        String name = op.kernelName() + " n=" + s[0] + " d=" + s[1] + " x scale=" + (int) scale
                                + (absent ? " without " + optional : "");
                        cases.add(new OpCase(name, 1e-5, (b, r) -> runRows(b, r, op, s[0], s[1], scale, absent, false)));
                    }
                }
            }
            cases.add(new OpCase(op.kernelName() + " n=5 d=13 in place", 1e-5,
                    (b, r) -> runRows(b, r, op, 5, 13, 3, false, true)));
        }
    }

    /** op over x (n, d) (also the output when inPlace), optional vector absent if asked; returns the output. */
    static float[] runRows(Backend b, OpSuite.Run r, Op op, long n, long d, double scale, boolean absent,
            boolean inPlace) {
        Rowwise rw = op.rowwise();
        Tensor[] vectors = new Tensor[rw.vectors().size()];
        for (int j = 0; j < vectors.length; j++) {
            vectors[j] = absent && j == vectors.length - 1 ? null : r.input(DType.F32, 5 + j, 1, d);
        }
        Tensor x = inPlace ? r.inPlace(normal(4, (int) (n * d), scale), n, d) : r.input(DType.F32, 4, scale, n, d);
        try {
            Tensor out = inPlace ? x : r.output(n, d);
            b.rowwise(op, out, x, vectors, java.util.Arrays.copyOf(EPSILONS, rw.scalars()));
            return out.toFloatArray();
        } finally {
            x.close();
            for (Tensor v : vectors) {
                if (v != null) {
                    v.close();
                }
            }
        }
    }

    // ---- rope ------------------------------------------------------------------------------------

    static void addRope(List<OpCase> cases) {
        long[][] shapes = {{1, 1, 1, 2}, {1, 5, 3, 8}, {2, 7, 4, 64}, {1, 13, 2, 128}};
        for (RopeStyle style : RopeStyle.values()) {
            for (long[] s : shapes) {
                for (long offset : new long[] {0, 37, 100_000}) {
                    for (int variant = 0; variant < 3; variant++) {
                        long hd = s[3];
                        if (variant == 1 && hd < 8) {
                            continue;  // no partial rotation of so few dimensions: variant 0 again
                        }
                        int rot = variant == 1 ? (int) hd / 2 : 0;
                        boolean factors = variant == 2;
                        double theta = variant == 2 ? 500_000 : 10_000;
                        String name = "rope " + style + " " + java.util.Arrays.toString(s) + " pos=" + offset
                                + (rot > 0 ? " rot=" + rot : "") + (factors ? " scaled" : "");
                        cases.add(new OpCase(name, 1e-5, (b, r) -> {
                            int pairs = (rot == 0 ? (int) hd : rot) / 2;
                            float[] f = factors ? TestData.uniform(11, pairs, 1, 8) : null;
                            RopeParams p = new RopeParams(style, theta, rot, f);
                            try (Tensor x = r.inPlace(normal(12, (int) (s[0] * s[1] * s[2] * hd), 1), s)) {
                                Tensor v = s[0] == 1 ? x.view(s[1], s[2], s[3]) : x;
                                b.rope(v, offset, p);
                                return x.toFloatArray();
                            }
                        }));
                    }
                }
            }
        }
    }

    /** Rope of rows at positions of their own: the positions of a batch from several sequences. */
    static void addRopeRows(List<OpCase> cases) {
        long[][] shapes = {{1, 1, 2}, {5, 3, 8}, {13, 4, 64}, {7, 2, 128}};  // rows, heads, headDim
        for (RopeStyle style : RopeStyle.values()) {
            for (long[] s : shapes) {
                int[] positions = new Random(25).ints((int) s[0], 0, 200_000).toArray();
                positions[0] = 0;
                cases.add(new OpCase("rope rows " + style + " " + java.util.Arrays.toString(s), 1e-5, (b, r) -> {
                    try (Tensor x = r.inPlace(normal(26, (int) (s[0] * s[1] * s[2]), 1), s)) {
                        b.rope(x, positions, RopeParams.of(style, 10_000));
                        return x.toFloatArray();
                    }
                }));
            }
        }
    }

    // ---- elementwise -----------------------------------------------------------------------------

    /** Scalars the elementwise cases pass, the first ones an op takes (see Op's descriptions). */
    private static final float[] SCALARS = {-1.75f, 0.5f, 3f};

    /**
     * Every op of the elementwise family, from its description alone (an op added to {@link Op}
     * gets these cases with nothing written here): lengths around the vector widths and the
     * threads' grain, and in place.
     */
    static void addElementwiseFamily(List<OpCase> cases) {
        for (Op op : Op.values()) {
            if (!op.isElementwise()) {
                continue;
            }
            for (int n : new int[] {1, 5, 7, 13, 4097, 70_000}) {
                cases.add(new OpCase(op.kernelName() + " n=" + n, 1e-5, (b, r) -> runElementwise(b, r, op, n, false)));
            }
            cases.add(new OpCase(op.kernelName() + " n=4097 in place", 1e-5, (b, r) -> runElementwise(b, r, op, 4097, true)));
        }
    }

    /** op on inputs of n values (the first one the output too when inPlace); returns the output. */
    static float[] runElementwise(Backend b, OpSuite.Run r, Op op, int n, boolean inPlace) {
        Elementwise e = op.elementwise();
        Tensor[] in = new Tensor[e.inputs()];
        try {
            for (int j = 0; j < in.length; j++) {
                in[j] = j == 0 && inPlace ? r.inPlace(normal(13 + j, n, 3), n) : r.input(DType.F32, 13 + j, 3, n);
            }
            Tensor out = inPlace ? in[0] : r.output(n);
            b.elementwise(op, out, java.util.Arrays.copyOf(SCALARS, e.scalars()), in);
            return out.toFloatArray();
        } finally {
            for (Tensor t : in) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    /** add: whole, and one row added to every row. */
    static void addAdd(List<OpCase> cases) {
        long[][] shapes = {{1, 1}, {3, 5}, {7, 13}, {2, 4097}};
        for (long[] s : shapes) {
            long n = s[0], d = s[1];
            for (boolean full : new boolean[] {true, false}) {
                cases.add(new OpCase("add n=" + n + " d=" + d + (full ? "" : " row"), 1e-6, (b, r) -> {
                    try (Tensor a = r.input(DType.F32, 16, 1, n, d);
                         Tensor c = full ? r.input(DType.F32, 17, 1, n, d)
                                 : r.input(DType.F32, 17, 1, d);
                         Tensor out = r.output(n, d)) {
                        b.add(out, a, c);
                        return out.toFloatArray();
                    }
                }));
            }
        }
    }

    // ---- attention -------------------------------------------------------------------------------

    static void addAttention(List<OpCase> cases) {
        int[][] heads = {{1, 1}, {4, 2}, {6, 3}, {8, 1}};
        int[][] lengths = {{1, 1, 1}, {1, 13, 16}, {5, 5, 5}, {13, 37, 40}, {1, 4097, 4100}};  // nq, kvLen, capacity
        for (int batch : new int[] {1, 2}) {
            for (int[] h : heads) {
                for (int[] len : lengths) {
                    for (int hd : new int[] {7, 40, 64}) {  // 40: a whole and a partial AVX-512 vector
                        for (int variant = 0; variant < 4; variant++) {
                            boolean causal = variant != 1;
                            int window = variant == 2 ? 3 : 0;
                            boolean masked = variant == 3 || (variant == 1 && batch == 2);
                            int nq = len[0], kvLen = len[1], cap = len[2];
                            if (kvLen > 1000 && (hd != 64 || batch != 1 || h[0] > 4)) {
                                continue;  // the long context runs in a few configurations only
                            }
                            String name = "attention batch=" + batch + " heads=" + h[0] + "/" + h[1] + " hd=" + hd
                                    + " nq=" + nq + " kv=" + kvLen + "/" + cap + (causal ? " causal" : " bidirectional")
                                    + (window > 0 ? " window=" + window : "") + (masked ? " masked" : "");
                            cases.add(new OpCase(name, 1e-5, (b, r) -> runAttention(b, r, batch, nq, h[0], h[1], hd, kvLen, cap,
                                    causal, window, masked)));
                        }
                    }
                }
            }
        }
    }

    /** Llama-like layers (32 query heads over 8 KV heads of 128): several query tiles, long-context decode. */
    static void addLlamaAttention(List<OpCase> cases) {
        int[][] shapes = {{1, 1, 4097, 4100}, {1, 130, 130, 136}, {2, 7, 300, 301}, {1, 1, 1000, 1000}};  // batch, nq, kvLen, capacity
        for (int[] s : shapes) {
            for (int variant = 0; variant < 2; variant++) {
                int window = variant == 1 ? 77 : 0;
                boolean masked = variant == 1;
                String name = "attention llama batch=" + s[0] + " nq=" + s[1] + " kv=" + s[2] + "/" + s[3]
                        + (masked ? " window=77 masked" : "");
                cases.add(new OpCase(name, 1e-5, (b, r) -> runAttention(b, r, s[0], s[1], 32, 8, 128, s[2], s[3], true, window,
                        masked)));
            }
        }
    }

    /** One attention call on b (outputs guarded, as in the suite). */
    static float[] runAttention(Backend b, int batch, int nq, int heads, int kvHeads, int hd, int kvLen, int cap,
            boolean causal, int window, boolean masked) {
        try (OpSuite.Inputs inputs = new OpSuite.Inputs(); OpSuite.Run r = new OpSuite.Run(b, inputs)) {
            float[] out = runAttention(b, r, batch, nq, heads, kvHeads, hd, kvLen, cap, causal, window, masked);
            r.checkGuards(b.name() + " attention");
            return out;
        }
    }

    static float[] runAttention(Backend b, OpSuite.Run r, int batch, int nq, int heads, int kvHeads, int hd, int kvLen,
            int cap, boolean causal, int window, boolean masked) {
        int[] mask = null;
        if (masked) {
            Random random = new Random(20);
            mask = new int[batch * kvLen];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = random.nextInt(4) == 0 ? 0 : 1;
            }
            if (batch > 1) {
                java.util.Arrays.fill(mask, kvLen, 2 * kvLen, 0);  // a whole sequence hidden: zeros out
            }
        }
        AttentionParams p = new AttentionParams((float) (1 / Math.sqrt(hd)), causal, window, kvLen - nq, kvLen, mask);
        try (Tensor q = r.input(DType.F32, 21, 1, batch, nq, heads, hd);
             Tensor k = r.input(DType.F32, 22, 1, batch, cap, kvHeads, hd);
             Tensor v = r.input(DType.F32, 23, 1, batch, cap, kvHeads, hd);
             Tensor out = r.output(batch, nq, heads, hd)) {
            b.attention(out, q, k, v, p);
            return out.toFloatArray();
        }
    }

    /**
     * A batch over a paged cache, as an engine step makes it: three sequences whose blocks lie
     * scattered over the pool, one decoding deep into its context (several key spans), one in the
     * middle of a prompt chunk, one decoding its second token; their new keys and values are
     * written first, then every row attends its own sequence.
     */
    static void addPagedAttention(List<OpCase> cases) {
        int[][] heads = {{1, 1}, {4, 2}, {6, 3}, {8, 1}};
        for (int blockSize : new int[] {1, 5, 16}) {
            for (int[] h : heads) {
                for (int hd : new int[] {7, 40, 64}) {
                    String name = "paged attention block=" + blockSize + " heads=" + h[0] + "/" + h[1] + " hd=" + hd;
                    cases.add(new OpCase(name, 1e-5, (b, r) -> runPagedAttention(b, r, blockSize, h[0], h[1], hd)));
                }
            }
        }
    }

    static PagedAttentionParams pagedBatch(int blockSize, Random r) {
        // sequence 0: row at position 600; sequence 1: a chunk of rows 37 .. 45; sequence 2: position 1
        int[] rowSeq = {1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2};
        int[] rowPos = {37, 600, 38, 39, 40, 41, 42, 43, 44, 45, 1};
        int maxBlocks = 600 / blockSize + 1;
        int blocks = 3 * maxBlocks + 7;
        java.util.List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            ids.add(i);
        }
        java.util.Collections.shuffle(ids, r);
        int[] tables = new int[3 * maxBlocks];
        for (int i = 0; i < tables.length; i++) {
            tables[i] = ids.get(i);
        }
        return new PagedAttentionParams(0.125f, blockSize, tables, maxBlocks, rowSeq, rowPos);
    }

    static float[] runPagedAttention(Backend b, OpSuite.Run r, int blockSize, int heads, int kvHeads, int hd) {
        PagedAttentionParams p = pagedBatch(blockSize, new Random(27));
        int blocks = 3 * p.maxBlocks() + 7;
        int n = p.rows();
        int poolFloats = blocks * blockSize * kvHeads * hd;
        try (Tensor kPool = r.inPlace(normal(28, poolFloats, 1), blocks, kvHeads, hd, blockSize);
             Tensor vPool = r.inPlace(normal(29, poolFloats, 1), blocks, kvHeads, blockSize, hd);
             Tensor k = r.input(DType.F32, 30, 1, n, kvHeads, hd);
             Tensor v = r.input(DType.F32, 31, 1, n, kvHeads, hd);
             Tensor q = r.input(DType.F32, 32, 1, n, heads, hd);
             Tensor out = r.output(n, heads, hd)) {
            b.pagedKvWrite(kPool, vPool, k, v, p);
            b.pagedAttention(out, q, kPool, vPool, p);
            return out.toFloatArray();
        }
    }

    // ---- pooling ---------------------------------------------------------------------------------

    static void addPooling(List<OpCase> cases) {
        long[][] shapes = {{1, 1, 5}, {2, 7, 13}, {3, 13, 384}};
        for (Pooling mode : Pooling.values()) {
            for (long[] s : shapes) {
                for (boolean masked : new boolean[] {false, true}) {
                    cases.add(new OpCase("pool " + mode + " " + java.util.Arrays.toString(s) + (masked ? " masked" : ""),
                            1e-6, (b, r) -> {
                        int[] mask = null;
                        if (masked) {
                            mask = new int[(int) (s[0] * s[1])];
                            for (int bb = 0; bb < s[0]; bb++) {
                                for (int t = 0; t < s[1]; t++) {
                                    mask[(int) (bb * s[1] + t)] = t < (bb + 1) * s[1] / s[0] - (bb == 1 ? s[1] : 0) ? 1 : 0;
                                }
                            }
                        }
                        try (Tensor x = r.input(DType.F32, 24, 1, s);
                             Tensor out = r.output(s[0], s[2])) {
                            b.pool(out, x, mask, mode);
                            return out.toFloatArray();
                        }
                    }));
                }
            }
        }
    }

    // ---- the suite -------------------------------------------------------------------------------

    @Test
    void caseNamesAreUnique() {
        Set<String> names = new HashSet<>();
        for (OpCase c : cases()) {
            assertTrue(names.add(c.name()), "two cases named " + c.name());
        }
    }

    /**
     * Each case in a container of its own with a test per target, so that its inputs are made
     * once for all targets (and dropped after the last) and the reference runs once.
     */
    @TestFactory
    Stream<DynamicNode> opsAgainstReference() {
        Backend reference = Backends.reference();
        List<Target> targets = Target.all();
        return cases().stream().map(c -> {
            OpSuite.CaseRuns runs = new OpSuite.CaseRuns(c, reference);
            return dynamicContainer(c.name(), IntStream.range(0, targets.size()).mapToObj(i ->
                    dynamicTest(targets.get(i).name(), () -> {
                        try {
                            runs.check(targets.get(i));
                        } finally {
                            if (i == targets.size() - 1) {
                                runs.close();
                            }
                        }
                    })));
        });
    }

    @TestFactory
    Stream<DynamicNode> samplingAgainstReference() {
        Backend reference = Backends.reference();
        List<SamplingParams> settings = List.of(
                SamplingParams.greedy(),
                SamplingParams.ofTemperature(1f),
                SamplingParams.ofTemperature(0.7f).withTopK(40),
                SamplingParams.ofTemperature(1.3f).withTopP(0.9f),
                SamplingParams.ofTemperature(1f).withMinP(0.05f),
                SamplingParams.ofTemperature(0.8f).withTopK(50).withTopP(0.95f).withMinP(0.02f),
                SamplingParams.ofTemperature(1f).withPenalties(1.3f, 0.2f, 0.5f),
                SamplingParams.greedy().withPenalties(1.5f, 0f, 0f).withLogitBias(Map.of(3, 100f, 4, -100f)));
        List<Target> targets = Target.all();
        return settings.stream().flatMap(s -> Stream.of(1, 7, 1000, 128_256).map(vocab -> {
            float[] values = normal(25 + vocab, vocab, 3);
            Random r = new Random(26);
            int[] recent = new int[Math.min(vocab, 20)];
            for (int i = 0; i < recent.length; i++) {
                recent[i] = r.nextInt(vocab);
            }
            SamplingParams p = s.logitBias().keySet().stream().anyMatch(t -> t >= vocab) ? s.withLogitBias(Map.of()) : s;
            double[] draws = r.doubles(vocab > 100_000 ? 20 : 200).toArray();
            int[][] expected = new int[1][];  // the reference's tokens, drawn once for all targets
            return dynamicContainer("sample vocab=" + vocab + " " + s, targets.stream().map(target ->
                    dynamicTest(target.name(), () -> target.run(backend -> {
                        try (Tensor hostLogits = Tensor.of(values, vocab);
                             Tensor logits = backend.upload(hostLogits)) {
                            if (expected[0] == null) {
                                expected[0] = Arrays.stream(draws).mapToInt(u -> reference.sample(hostLogits, p, recent, u))
                                        .toArray();
                            }
                            for (int draw = 0; draw < draws.length; draw++) {
                                assertEquals(expected[0][draw], backend.sample(logits, p, recent, draws[draw]),
                                        target + " draw " + draw + " u=" + draws[draw]);
                            }
                            return null;
                        }
                    }))));
        }));
    }
}
