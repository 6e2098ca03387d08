package dev.llmaccel.backend;

import static dev.llmaccel.backend.NativeException.check;

import dev.llmaccel.binding.cpu.CpuKernels;
import dev.llmaccel.binding.cpu.CpuRuntime;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.Tensor;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Native C++ kernels on the host: SIMD paths chosen at run time from the CPU's features
 * (AVX2/FMA/F16C, with a portable fallback), OpenBLAS for F32 products, and the library's own
 * thread pool. All instances share the one native library and its pool.
 */
public final class CpuBackend extends Backend {

    /**
     * System property that caps the kernels' instruction set: {@code portable}, {@code avx2} or
     * {@code avx512} (the default: the best this CPU has). For comparing paths and for diagnosis;
     * a level the CPU lacks is never used.
     */
    public static final String SIMD_PROPERTY = "llmaccel.cpu.simd";

    /** Environment variable with the same meaning as {@link #SIMD_PROPERTY} (the property wins). */
    public static final String SIMD_ENVIRONMENT = "LLMACCEL_CPU_SIMD";

    /** Instruction-set levels of the kernels, lowest first (the native level numbers). */
    private static final String[] SIMD_LEVELS = {"portable", "avx2", "avx512"};

    // Loads the native library (every method below relies on it) and applies the SIMD cap.
    static {
        CpuRuntime.load();
        String cap = System.getProperty(SIMD_PROPERTY);
        if (cap == null || cap.isBlank()) {
            cap = System.getenv(SIMD_ENVIRONMENT);
        }
        if (cap != null && !cap.isBlank()) {
            int level = Arrays.asList(SIMD_LEVELS).indexOf(cap.trim().toLowerCase(Locale.ROOT));
            if (level < 0) {
                String given = cap;
                Logger.getLogger("dev.llmaccel").warning(() -> "ignoring " + SIMD_PROPERTY + " / " + SIMD_ENVIRONMENT
                        + " = \"" + given + "\": it must be one of " + String.join(", ", SIMD_LEVELS));
            } else {
                CpuRuntime.llm_cpu_simd_limit(level);
            }
        }
    }

    /** Loads the native library (in the class's initializer); throws {@link LinkageError} when it cannot be loaded here. */
    public CpuBackend() {}

    /** What the CPU backend runs on, for logs: threads, CPU features, kernel level and OpenBLAS kernel set. */
    public static String describe() {
        return threads() + " threads, " + features() + " (kernels: " + simdLevel() + "), OpenBLAS " + blasCore();
    }

    /** The instruction-set level the kernels use now: "portable", "avx2" or "avx512". */
    public static String simdLevel() {
        return SIMD_LEVELS[CpuRuntime.llm_cpu_simd_level()];
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    // The native kernel of each elementwise op and each op over rows, by the op's name in the
    // library's table of its family (absent: the library has none).
    private static final Map<Op, Integer> ELEMENTWISE = new EnumMap<>(Op.class);
    private static final Map<Op, Integer> ROWWISE = new EnumMap<>(Op.class);

    static {
        for (Op op : Op.values()) {
            int kernel = op.isElementwise() ? CpuKernels.llm_elementwise_find(op.kernelName())
                    : op.isRowwise() ? CpuKernels.llm_rows_find(op.kernelName()) : -1;
            if (kernel >= 0) {
                (op.isElementwise() ? ELEMENTWISE : ROWWISE).put(op, kernel);
            }
        }
    }

    @Override
    public boolean supports(Op op, DType dtype) {
        return op.isElementwise() ? ELEMENTWISE.containsKey(op) : !op.isRowwise() || ROWWISE.containsKey(op);
    }

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        return Tensor.zeros(dtype, shape);
    }

    /** Sets the number of threads of every CPU kernel ({@code n < 1}: one per core). */
    public static void setThreads(int n) {
        check(CpuRuntime.llm_threads_set(n), "starting " + n + " threads");
    }

    /** The number of threads CPU kernels use. */
    public static int threads() {
        return CpuRuntime.llm_threads_get();
    }

    /** CPU features the kernels use, as text (for logs). */
    public static String features() {
        int f = CpuRuntime.llm_cpu_features();
        StringBuilder s = new StringBuilder();
        if ((f & 1) != 0) s.append("AVX2 ");
        if ((f & 2) != 0) s.append("FMA ");
        if ((f & 4) != 0) s.append("F16C ");
        if ((f & 8) != 0) s.append("AVX-512F ");
        return s.length() == 0 ? "portable" : s.toString().trim();
    }

    /**
     * The OpenBLAS kernel set that F32 products run on ("Haswell", "SkylakeX", ...): OpenBLAS picks
     * it from the CPU when it loads, unless the environment variable {@code OPENBLAS_CORETYPE} names
     * one. Logged beside {@link #features()} because it can halve or double F32 products.
     */
    public static String blasCore() {
        return CpuRuntime.llm_blas_core();
    }

    @Override
    protected void copyKernel(Tensor dst, Tensor src) {
        CpuRuntime.llm_host_copy(dst.address(), src.address(), src.bytes());
    }

    @Override
    protected void embeddingKernel(Tensor out, Tensor table, int[] ids) {
        check(CpuKernels.llm_embedding_rows(out.address(), table.address(), table.dtype().ggmlId(), ids,
                ids.length, table.dim(1)), "embedding lookup");
    }

    @Override
    protected void matmulKernel(Tensor out, Tensor x, Tensor w, long n, long k, long m) {
        check(CpuKernels.llm_matmul(out.address(), x.address(), w.address(), w.dtype().ggmlId(), n, k, m), "matmul");
    }

    @Override
    protected void rowwiseKernel(Op op, Tensor out, Tensor x, Tensor[] vectors, float[] scalars, long n, long d) {
        long[] v = new long[vectors.length];
        for (int j = 0; j < v.length; j++) {
            v[j] = vectors[j] == null ? 0L : vectors[j].address();
        }
        check(CpuKernels.llm_rows(ROWWISE.get(op), out.address(), x.address(), v, v.length, scalars, scalars.length, n, d),
                op.kernelName());
    }

    @Override
    protected void ropeKernel(Tensor x, long positionOffset, RopeParams params, long batch, long seq, long heads,
            long headDim) {
        check(CpuKernels.llm_rope(x.address(), batch, seq, heads, headDim, positionOffset,
                ropeStyle(params.style()), params.theta(), params.rotaryDimsFor((int) headDim),
                params.freqFactors()), "rope");
    }

    @Override
    protected void ropeRowsKernel(Tensor x, int[] positions, RopeParams params, long rows, long heads, long headDim) {
        check(CpuKernels.llm_rope_rows(x.address(), positions, rows, heads, headDim,
                ropeStyle(params.style()), params.theta(), params.rotaryDimsFor((int) headDim),
                params.freqFactors()), "rope");
    }

    @Override
    protected void elementwiseKernel(Op op, Tensor out, Tensor[] inputs, float[] scalars, long n) {
        long[] in = new long[inputs.length];
        for (int j = 0; j < in.length; j++) {
            in[j] = inputs[j].address();
        }
        check(CpuKernels.llm_elementwise(ELEMENTWISE.get(op), out.address(), in, in.length, scalars, scalars.length, n),
                op.kernelName());
    }

    @Override
    protected void addKernel(Tensor out, Tensor a, Tensor b, long n, long d, boolean full) {
        check(CpuKernels.llm_add(out.address(), a.address(), b.address(), n, d, full ? 1 : 0), "add");
    }

    @Override
    protected void attentionKernel(Tensor out, Tensor q, Tensor k, Tensor v, AttentionParams params, int[] mask,
            long batch, long nq, long heads, long kvHeads, long headDim, long capacity) {
        check(CpuKernels.llm_attention(out.address(), q.address(), k.address(), v.address(), mask, batch, nq, heads,
                kvHeads, headDim, capacity, params.kvLength(), params.queryPosition(), params.scale(),
                params.causal() ? 1 : 0, params.window()), "attention");
    }

    @Override
    protected void pagedKvWriteKernel(Tensor kPool, Tensor vPool, Tensor k, Tensor v, int[] slots, long n, long kvHeads,
            long headDim, long blockSize) {
        check(CpuKernels.llm_paged_kv_write(kPool.address(), vPool.address(), k.address(), v.address(), slots, n, kvHeads,
                headDim, blockSize), "paged kv write");
    }

    @Override
    protected void pagedAttentionKernel(Tensor out, Tensor q, Tensor kPool, Tensor vPool, float scale, int blockSize,
            int[] blockTables, int maxBlocks, int[] rowSequence, int[] rowPosition, long n, long heads, long kvHeads,
            long headDim) {
        check(CpuKernels.llm_paged_attention(out.address(), q.address(), kPool.address(), vPool.address(), blockTables,
                rowSequence, rowPosition, n, heads, kvHeads, headDim, blockSize, maxBlocks, scale), "paged attention");
    }

    @Override
    protected void poolKernel(Tensor out, Tensor x, int[] mask, Pooling mode, long batch, long seq, long d) {
        check(CpuKernels.llm_pool(out.address(), x.address(), mask, poolMode(mode), batch, seq, d), "pooling");
    }

    @Override
    protected int sampleKernel(Tensor logits, SamplingParams params, int[] recentTokens, double uniform, int vocab) {
        int[] ids = params.logitBiasTokens();
        float[] values = params.logitBiasValues();
        int[] out = new int[1];
        check(CpuKernels.llm_sample(out, logits.address(), vocab, ids, values, ids.length, recentTokens,
                recentTokens.length, params.temperature(), params.topK(), params.topP(), params.minP(),
                params.repetitionPenalty(), params.frequencyPenalty(), params.presencePenalty(), uniform), "sampling");
        return out[0];
    }

    // The C header's values for the variants (see CpuKernels): never an enum's ordinal.

    private static int poolMode(Pooling mode) {
        return switch (mode) {
            case MEAN -> CpuKernels.LLM_POOL_MEAN();
            case CLS -> CpuKernels.LLM_POOL_CLS();
            case LAST -> CpuKernels.LLM_POOL_LAST();
        };
    }

    private static int ropeStyle(RopeStyle style) {
        return switch (style) {
            case NORMAL -> CpuKernels.LLM_ROPE_NORMAL();
            case NEOX -> CpuKernels.LLM_ROPE_NEOX();
        };
    }
}
