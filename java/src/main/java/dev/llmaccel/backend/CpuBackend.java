package dev.llmaccel.backend;

import static dev.llmaccel.backend.NativeException.check;

import dev.llmaccel.binding.cpu.CpuKernels;
import dev.llmaccel.binding.cpu.CpuRuntime;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.Tensor;

/**
 * Native C++ kernels on the host: SIMD paths chosen at run time from the CPU's features
 * (AVX2/FMA/F16C, with a portable fallback), OpenBLAS for F32 products, and the library's own
 * thread pool. All instances share the one native library and its pool.
 */
public final class CpuBackend extends Backend {

    /** Loads the native library; throws {@link LinkageError} when it cannot be loaded here. */
    public CpuBackend() {
        CpuRuntime.load();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public boolean supports(Op op, DType dtype) {
        return true;
    }

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        return Tensor.zeros(dtype, shape);
    }

    /** Sets the number of threads of every CPU kernel (n < 1: one per core). */
    public static void setThreads(int n) {
        CpuRuntime.load();
        check(CpuRuntime.llm_threads_set(n), "starting " + n + " threads");
    }

    /** The number of threads CPU kernels use. */
    public static int threads() {
        CpuRuntime.load();
        return CpuRuntime.llm_threads_get();
    }

    /** CPU features the kernels use, as text (for logs). */
    public static String features() {
        CpuRuntime.load();
        int f = CpuRuntime.llm_cpu_features();
        StringBuilder s = new StringBuilder();
        if ((f & 1) != 0) s.append("AVX2 ");
        if ((f & 2) != 0) s.append("FMA ");
        if ((f & 4) != 0) s.append("F16C ");
        if ((f & 8) != 0) s.append("AVX-512F ");
        return s.length() == 0 ? "portable" : s.toString().trim();
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
    protected void rmsNormKernel(Tensor out, Tensor x, Tensor weight, float eps, long n, long d) {
        check(CpuKernels.llm_rms_norm(out.address(), x.address(), weight.address(), eps, n, d), "rmsnorm");
    }

    @Override
    protected void layerNormKernel(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps, long n, long d) {
        check(CpuKernels.llm_layer_norm(out.address(), x.address(), weight.address(),
                bias == null ? 0L : bias.address(), eps, n, d), "layernorm");
    }

    @Override
    protected void ropeKernel(Tensor x, long positionOffset, RopeParams params, long batch, long seq, long heads,
            long headDim) {
        check(CpuKernels.llm_rope(x.address(), batch, seq, heads, headDim, positionOffset,
                params.style() == RopeStyle.NORMAL ? 0 : 1, params.theta(), params.rotaryDimsFor((int) headDim),
                params.freqFactors()), "rope");
    }

    @Override
    protected void swigluKernel(Tensor out, Tensor gate, Tensor up, long n) {
        check(CpuKernels.llm_swiglu(out.address(), gate.address(), up.address(), n), "swiglu");
    }

    @Override
    protected void geluKernel(Tensor out, Tensor x, long n) {
        check(CpuKernels.llm_gelu(out.address(), x.address(), n), "gelu");
    }

    @Override
    protected void addKernel(Tensor out, Tensor a, Tensor b, long n, long d, boolean full) {
        check(CpuKernels.llm_add(out.address(), a.address(), b.address(), n, d, full ? 1 : 0), "add");
    }

    @Override
    protected void softmaxKernel(Tensor out, Tensor x, long n, long d) {
        check(CpuKernels.llm_softmax(out.address(), x.address(), n, d), "softmax");
    }

    @Override
    protected void attentionKernel(Tensor out, Tensor q, Tensor k, Tensor v, AttentionParams params, int[] mask,
            long batch, long nq, long heads, long kvHeads, long headDim, long capacity) {
        check(CpuKernels.llm_attention(out.address(), q.address(), k.address(), v.address(), mask, batch, nq, heads,
                kvHeads, headDim, capacity, params.kvLength(), params.queryPosition(), params.scale(),
                params.causal() ? 1 : 0, params.window()), "attention");
    }

    @Override
    protected void poolKernel(Tensor out, Tensor x, int[] mask, Pooling mode, long batch, long seq, long d) {
        check(CpuKernels.llm_pool(out.address(), x.address(), mask, mode.ordinal(), batch, seq, d), "pooling");
    }

    @Override
    protected void l2NormalizeKernel(Tensor out, Tensor x, long n, long d) {
        check(CpuKernels.llm_l2_normalize(out.address(), x.address(), n, d), "l2 normalize");
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
}
