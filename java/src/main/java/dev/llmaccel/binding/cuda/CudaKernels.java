package dev.llmaccel.binding.cuda;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of the CUDA op families ({@code llmaccel/cuda_*.h}). The context and tensor arguments
 * are native addresses (device memory); arrays are host data the call copies. Arguments are
 * checked in Java (see {@code dev.llmaccel.backend.Backend}) before any call; each function
 * returns 0 or an error code ({@link CudaRuntime#llm_cuda_error_string}).
 */
@Properties(inherit = CudaLibrary.class)
public final class CudaKernels {
    static {
        Loader.load();
    }

    private CudaKernels() {}

    // common.h's variant values as this library's header sees them (see CpuKernels).
    @MemberGetter
    public static native int LLM_POOL_MEAN();

    @MemberGetter
    public static native int LLM_POOL_CLS();

    @MemberGetter
    public static native int LLM_POOL_LAST();

    @MemberGetter
    public static native int LLM_ROPE_NORMAL();

    @MemberGetter
    public static native int LLM_ROPE_NEOX();

    // cuda_matmul.h
    public static native int llm_cuda_matmul(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long x, @Cast("const void*") long w, int wType, long n, long k, long m);

    public static native int llm_cuda_weight_type_supported(int type);

    // cuda_embedding.h
    public static native int llm_cuda_embedding_rows(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const void*") long table, int tableType, @Cast("const int32_t*") int[] ids, long n, long d);

    public static native int llm_cuda_pool(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long x, @Cast("const int32_t*") int[] mask, int mode, long batch, long seq, long d);

    public static native int llm_cuda_l2_normalize(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long x, long n, long d);

    // cuda_norm.h
    public static native int llm_cuda_rms_norm(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long x, @Cast("const float*") long weight, float eps, long n, long d);

    public static native int llm_cuda_layer_norm(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long x, @Cast("const float*") long weight, @Cast("const float*") long bias, float eps,
            long n, long d);

    // cuda_rope.h
    public static native int llm_cuda_rope(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long x, long batch,
            long seq, long heads, long headDim, long posOffset, int style, double theta, long rotDims,
            @Cast("const float*") float[] freqFactors);

    public static native int llm_cuda_rope_rows(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long x,
            @Cast("const int32_t*") int[] positions, long n, long heads, long headDim, int style, double theta,
            long rotDims, @Cast("const float*") float[] freqFactors);

    // cuda_paged_attention.h
    public static native int llm_cuda_paged_kv_write(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long kPool,
            @Cast("float*") long vPool, @Cast("const float*") long k, @Cast("const float*") long v,
            @Cast("const int32_t*") int[] slots, long n, long kvHeads, long headDim, long blockSize);

    public static native int llm_cuda_paged_attention(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long q, @Cast("const float*") long kPool, @Cast("const float*") long vPool,
            @Cast("const int32_t*") int[] blockTables, @Cast("const int32_t*") int[] rowSeq,
            @Cast("const int32_t*") int[] rowPos, long sequences, long n, long heads, long kvHeads, long headDim,
            long blockSize, long maxBlocks, float scale);

    // cuda_elementwise.h
    public static native int llm_cuda_add(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long a, @Cast("const float*") long b, long n, long d, int full);

    public static native int llm_cuda_swiglu(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long gate, @Cast("const float*") long up, long n);

    public static native int llm_cuda_gelu(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long x, long n);

    public static native int llm_cuda_softmax(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long x, long n, long d);

    // cuda_attention.h
    public static native int llm_cuda_attention(@Cast("llm_cuda_context*") long ctx, @Cast("float*") long out,
            @Cast("const float*") long q, @Cast("const float*") long k, @Cast("const float*") long v,
            @Cast("const int32_t*") int[] mask, long batch, long nq, long heads, long kvHeads, long headDim,
            long capacity, long kvLen, long qPos, float scale, int causal, long window);

    // cuda_sampling.h
    public static native int llm_cuda_sample(@Cast("llm_cuda_context*") long ctx, @Cast("int32_t*") int[] out,
            @Cast("const float*") long logits, long vocab, @Cast("const int32_t*") int[] biasIds,
            @Cast("const float*") float[] biasValues, long nBias, @Cast("const int32_t*") int[] recent, long nRecent,
            float temperature, int topK, float topP, float minP, float repetitionPenalty, float frequencyPenalty,
            float presencePenalty, double uniform);
}
