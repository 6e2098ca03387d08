package dev.llmaccel.backend.cuda;

import dev.llmaccel.backend.AttentionParams;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.NativeException;
import dev.llmaccel.backend.Op;
import dev.llmaccel.backend.Pooling;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.binding.cuda.CudaKernels;
import dev.llmaccel.binding.cuda.CudaRuntime;
import dev.llmaccel.memory.Tensors;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;

/**
 * CUDA kernels on one NVIDIA GPU (compute capability 8.0 or newer; see {@link CudaProbe}).
 *
 * <p>Tensors of this backend live in device memory ({@link #allocate}, {@link #upload}); their
 * values come back through {@link Tensor#toFloatArray()} or {@link #download}. Ops are queued on
 * this backend's own CUDA stream and run in order; reading a tensor waits for the ops before it.
 * Results stay within the CPU backend's error bounds unless {@link #precision} allows BF16
 * arithmetic. Matrix products and embedding lookups run here for F32, F16, BF16, Q8_0 and Q4_0
 * weights; other weight types run on the CPU backend, on host copies of the arguments (correct,
 * but the copies cost far more than the op: convert such weights for GPU use). Every CUDA failure is a
 * {@link NativeException} carrying the CUDA runtime's message; running out of device memory is
 * one too (status {@link #OUT_OF_MEMORY}), and the backend stays usable after it.
 *
 * <p>One backend is used by one thread at a time (its ops share scratch memory); its methods
 * are synchronized so that misuse cannot corrupt results. Close it to free its stream and
 * scratch memory; tensors it allocated stay valid until they are closed themselves.
 */
public final class CudaBackend extends Backend {
    /** cudaErrorMemoryAllocation: the status of a {@link NativeException} for exhausted device memory. */
    public static final int OUT_OF_MEMORY = 2;

    private final int device;
    private final Backend fallback;
    /** The weight types the library's matmul and embedding kernels read, as it reports them. */
    private final Set<DType> weightTypes = EnumSet.noneOf(DType.class);
    private long context;  // llm_cuda_context*, 0 once closed

    /**
     * Opens a backend on a device.
     *
     * @throws NativeException when the device cannot be used (no driver, no such device)
     * @throws LinkageError when the CUDA library is not in this build
     */
    public CudaBackend(int device) {
        CudaRuntime.load();
        for (DType t : DType.values()) {
            if (CudaKernels.llm_cuda_weight_type_supported(t.ggmlId()) != 0) {
                weightTypes.add(t);
            }
        }
        this.fallback = Backends.cpu();
        long[] ctx = new long[1];
        check(CudaRuntime.llm_cuda_context_create(ctx, device), "opening CUDA device " + device);
        this.device = device;
        this.context = ctx[0];
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Device device() {
        return Device.CUDA;
    }

    /** The CUDA device this backend runs on. */
    public int deviceIndex() {
        return device;
    }

    @Override
    public boolean supports(Op op, DType dtype) {
        return switch (op) {
            case MATMUL, EMBEDDING -> weightTypes.contains(dtype);
            case COPY -> true;
            default -> dtype == DType.F32 && (!op.isElementwise() || ELEMENTWISE.contains(op));
        };
    }

    @Override
    protected Backend fallback() {
        return fallback;
    }

    /** A zero-filled tensor in device memory. */
    @Override
    public Tensor allocate(DType dtype, long... shape) {
        if (dtype == null || shape == null) {
            throw new NullPointerException(dtype == null ? "dtype" : "shape");
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 0 || d > Integer.MAX_VALUE) {  // Tensor's rule, checked before any device memory is taken
                throw new IllegalArgumentException("dimension " + d + " outside [0, " + Integer.MAX_VALUE + "]");
            }
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape of " + dtype + " overflows a long");
            }
        }
        DeviceMemory memory = DeviceMemory.allocate(dtype.bytesFor(elements), device);
        try {
            return Tensors.wrap(memory, dtype, shape);
        } catch (RuntimeException e) {
            memory.free();
            throw e;
        }
    }

    /** A device copy of t (t itself when it is already in device memory). */
    @Override
    public Tensor upload(Tensor t) {
        t.checkOpen();
        if (t.device() == Device.CUDA) {
            return t;
        }
        Tensor d = allocate(t.dtype(), t.shape());
        try {
            copyFromHost(d, t);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /** A host copy of t (t itself when it is on the host). */
    @Override
    public Tensor download(Tensor t) {
        t.checkOpen();
        if (t.device() == Device.CPU) {
            return t;
        }
        Tensor h = Tensor.zeros(t.dtype(), t.shape());
        try {
            check(CudaRuntime.llm_cuda_memory_read(h.address(), t.address(), t.bytes(), device), "copying to the host");
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
        return h;
    }

    @Override
    protected void copyFromHost(Tensor dst, Tensor src) {
        check(CudaRuntime.llm_cuda_memory_write(dst.address(), src.address(), src.bytes(), device), "copying to the device");
    }

    // ---- engine choice, timing, device facts (for benchmarks and logs) --------------------------

    /** Whether cuBLAS (libcublas.so.13) was found on this host. */
    public static boolean cublasAvailable() {
        CudaRuntime.load();
        return CudaRuntime.llm_cuda_cublas_available() != 0;
    }

    /** What happened when cuBLAS was looked for. */
    public static String cublasDescription() {
        CudaRuntime.load();
        return CudaRuntime.llm_cuda_cublas_description();
    }

    /**
     * Chooses the code for matrix products of more than 8 rows.
     *
     * @throws UnsupportedOperationException for {@link GemmEngine#CUBLAS} when cuBLAS is absent
     */
    public synchronized void gemmEngine(GemmEngine engine) {
        if (engine == GemmEngine.CUBLAS && !cublasAvailable()) {
            throw new UnsupportedOperationException("cuBLAS is not available: " + cublasDescription());
        }
        check(CudaRuntime.llm_cuda_context_set_gemm(context(), gemmEngineCode(engine)), "choosing the GEMM engine");
    }

    /** Chooses how much arithmetic may run in BF16 (see {@link Precision}; {@link Precision#F32} by default). */
    public synchronized void precision(Precision precision) {
        check(CudaRuntime.llm_cuda_context_set_precision(context(), precisionCode(precision)), "choosing the precision");
    }

    /**
     * Milliseconds the device spent on body's ops, measured with CUDA events on this backend's
     * stream (body must only enqueue ops of this backend; reading tensors inside it would time
     * the host too).
     */
    public synchronized float time(Runnable body) {
        check(CudaRuntime.llm_cuda_timer_start(context()), "starting the timer");
        body.run();
        float[] ms = new float[1];
        check(CudaRuntime.llm_cuda_timer_stop(context(), ms), "stopping the timer");
        return ms[0];
    }

    /** Waits until every op queued on this backend has run; reports a fault among them. */
    public synchronized void synchronize() {
        check(CudaRuntime.llm_cuda_context_synchronize(context()), "waiting for the device");
    }

    /** The device's name, e.g. "NVIDIA H200". */
    public String deviceName() {
        return nameOf(device);
    }

    static String nameOf(int device) {
        byte[] name = new byte[256];
        check(CudaRuntime.llm_cuda_device_name(name, name.length, device), "reading the device name");
        int end = 0;
        while (end < name.length && name[end] != 0) {
            end++;
        }
        return new String(name, 0, end, StandardCharsets.UTF_8);
    }

    @Override
    public long availableMemory() {
        return memoryInfo()[0];
    }

    /** Free and total device memory in bytes: {free, total}. */
    public long[] memoryInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        check(CudaRuntime.llm_cuda_memory_info(free, total, device), "reading device memory use");
        return new long[] {free[0], total[0]};
    }

    @Override
    public synchronized void close() {
        if (context != 0) {
            CudaRuntime.llm_cuda_context_destroy(context);
            context = 0;
            fallback.close();
        }
    }

    /** Throws a NativeException with the CUDA runtime's message unless status is 0. */
    static void check(int status, String what) {
        if (status != 0) {
            String detail = CudaRuntime.llm_cuda_error_detail();
            throw new NativeException(what + " failed: " + CudaRuntime.llm_cuda_error_string(status)
                    + " (CUDA status " + status + (detail.isEmpty() ? "" : ": " + detail) + ")", status);
        }
    }

    private long context() {
        if (context == 0) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
        return context;
    }

    // ---- kernels ---------------------------------------------------------------------------------

    @Override
    protected synchronized void copyKernel(Tensor dst, Tensor src) {
        check(CudaRuntime.llm_cuda_copy(context(), dst.address(), src.address(), src.bytes()), "copy");
    }

    @Override
    protected synchronized void embeddingKernel(Tensor out, Tensor table, int[] ids) {
        check(CudaKernels.llm_cuda_embedding_rows(context(), out.address(), table.address(), table.dtype().ggmlId(),
                ids, ids.length, table.dim(1)), "embedding lookup");
    }

    @Override
    protected synchronized void matmulKernel(Tensor out, Tensor x, Tensor w, long n, long k, long m) {
        check(CudaKernels.llm_cuda_matmul(context(), out.address(), x.address(), w.address(), w.dtype().ggmlId(),
                n, k, m), "matmul");
    }

    @Override
    protected synchronized void rowwiseKernel(Op op, Tensor out, Tensor x, Tensor[] vectors, float[] scalars, long n,
            long d) {
        switch (op) {
            case RMS_NORM -> check(CudaKernels.llm_cuda_rms_norm(context(), out.address(), x.address(),
                    vectors[0].address(), scalars[0], n, d), "rmsnorm");
            case LAYER_NORM -> check(CudaKernels.llm_cuda_layer_norm(context(), out.address(), x.address(),
                    vectors[0].address(), vectors[1] == null ? 0L : vectors[1].address(), scalars[0], n, d), "layernorm");
            case SOFTMAX -> check(CudaKernels.llm_cuda_softmax(context(), out.address(), x.address(), n, d), "softmax");
            case L2_NORMALIZE -> check(CudaKernels.llm_cuda_l2_normalize(context(), out.address(), x.address(), n, d),
                    "l2 normalize");
            default -> throw notImplemented(op);
        }
    }

    @Override
    protected synchronized void ropeKernel(Tensor x, long positionOffset, RopeParams params, long batch, long seq,
            long heads, long headDim) {
        check(CudaKernels.llm_cuda_rope(context(), x.address(), batch, seq, heads, headDim, positionOffset,
                ropeStyle(params.style()), params.theta(), params.rotaryDimsFor((int) headDim),
                params.freqFactors()), "rope");
    }

    @Override
    protected synchronized void ropeRowsKernel(Tensor x, int[] positions, RopeParams params, long rows, long heads,
            long headDim) {
        check(CudaKernels.llm_cuda_rope_rows(context(), x.address(), positions, rows, heads, headDim,
                ropeStyle(params.style()), params.theta(), params.rotaryDimsFor((int) headDim),
                params.freqFactors()), "rope");
    }

    /** The elementwise ops with a CUDA kernel; the others run on the fallback. */
    private static final Set<Op> ELEMENTWISE = EnumSet.of(Op.SWIGLU, Op.GELU);

    @Override
    protected synchronized void elementwiseKernel(Op op, Tensor out, Tensor[] inputs, float[] scalars, long n) {
        switch (op) {
            case SWIGLU -> check(CudaKernels.llm_cuda_swiglu(context(), out.address(), inputs[0].address(),
                    inputs[1].address(), n), "swiglu");
            case GELU -> check(CudaKernels.llm_cuda_gelu(context(), out.address(), inputs[0].address(), n), "gelu");
            default -> throw notImplemented(op);
        }
    }

    @Override
    protected synchronized void addKernel(Tensor out, Tensor a, Tensor b, long n, long d, boolean full) {
        check(CudaKernels.llm_cuda_add(context(), out.address(), a.address(), b.address(), n, d, full ? 1 : 0), "add");
    }

    @Override
    protected synchronized void attentionKernel(Tensor out, Tensor q, Tensor k, Tensor v, AttentionParams params,
            int[] mask, long batch, long nq, long heads, long kvHeads, long headDim, long capacity) {
        check(CudaKernels.llm_cuda_attention(context(), out.address(), q.address(), k.address(), v.address(), mask,
                batch, nq, heads, kvHeads, headDim, capacity, params.kvLength(), params.queryPosition(), params.scale(),
                params.causal() ? 1 : 0, params.window()), "attention");
    }

    @Override
    protected synchronized void pagedKvWriteKernel(Tensor kPool, Tensor vPool, Tensor k, Tensor v, int[] slots, long n,
            long kvHeads, long headDim, long blockSize) {
        check(CudaKernels.llm_cuda_paged_kv_write(context(), kPool.address(), vPool.address(), k.address(), v.address(),
                slots, n, kvHeads, headDim, blockSize), "paged kv write");
    }

    @Override
    protected synchronized void pagedAttentionKernel(Tensor out, Tensor q, Tensor kPool, Tensor vPool, float scale,
            int blockSize, int[] blockTables, int maxBlocks, int[] rowSequence, int[] rowPosition, long n, long heads,
            long kvHeads, long headDim) {
        check(CudaKernels.llm_cuda_paged_attention(context(), out.address(), q.address(), kPool.address(),
                vPool.address(), blockTables, rowSequence, rowPosition, blockTables.length / maxBlocks, n, heads, kvHeads,
                headDim, blockSize, maxBlocks, scale), "paged attention");
    }

    @Override
    protected synchronized void poolKernel(Tensor out, Tensor x, int[] mask, Pooling mode, long batch, long seq,
            long d) {
        check(CudaKernels.llm_cuda_pool(context(), out.address(), x.address(), mask, poolMode(mode), batch, seq, d),
                "pooling");
    }

    @Override
    protected synchronized int sampleKernel(Tensor logits, SamplingParams params, int[] recentTokens, double uniform,
            int vocab) {
        int[] ids = params.logitBiasTokens();
        float[] values = params.logitBiasValues();
        int[] out = new int[1];
        check(CudaKernels.llm_cuda_sample(context(), out, logits.address(), vocab, ids, values, ids.length, recentTokens,
                recentTokens.length, params.temperature(), params.topK(), params.topP(), params.minP(),
                params.repetitionPenalty(), params.frequencyPenalty(), params.presencePenalty(), uniform), "sampling");
        return out[0];
    }

    // The C headers' values for the variants (see CudaKernels, CudaRuntime): never an enum's ordinal.

    private static int poolMode(Pooling mode) {
        return switch (mode) {
            case MEAN -> CudaKernels.LLM_POOL_MEAN();
            case CLS -> CudaKernels.LLM_POOL_CLS();
            case LAST -> CudaKernels.LLM_POOL_LAST();
        };
    }

    private static int ropeStyle(RopeStyle style) {
        return switch (style) {
            case NORMAL -> CudaKernels.LLM_ROPE_NORMAL();
            case NEOX -> CudaKernels.LLM_ROPE_NEOX();
        };
    }

    private static int gemmEngineCode(GemmEngine engine) {
        return switch (engine) {
            case AUTO -> CudaRuntime.LLM_CUDA_GEMM_AUTO();
            case OWN -> CudaRuntime.LLM_CUDA_GEMM_OWN();
            case CUBLAS -> CudaRuntime.LLM_CUDA_GEMM_CUBLAS();
        };
    }

    private static int precisionCode(Precision precision) {
        return switch (precision) {
            case F32 -> CudaRuntime.LLM_CUDA_PRECISION_F32();
            case BF16 -> CudaRuntime.LLM_CUDA_PRECISION_BF16();
        };
    }
}
