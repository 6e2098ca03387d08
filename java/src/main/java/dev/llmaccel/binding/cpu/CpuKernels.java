package dev.llmaccel.binding.cpu;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of the CPU kernels ({@code llmaccel/*.h}). Tensor arguments are native addresses;
 * shapes and ids are checked in Java (see {@code dev.llmaccel.backend.Backend}) before any call.
 * Each function returns an {@code llm_status} (0 = ok).
 */
@Properties(inherit = CpuLibrary.class)
public final class CpuKernels {
    static {
        Loader.load();
    }

    private CpuKernels() {}

    // common.h: the values of the arguments that choose a variant, read from the compiled header
    // so that Java never restates them (nor passes an enum's ordinal).
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

    // common.h's enum llm_type, for the test that checks DType's ids against the compiled header
    // (DType.ggmlId() is what crosses JNI).
    @MemberGetter
    public static native int LLM_TYPE_F32();

    @MemberGetter
    public static native int LLM_TYPE_F16();

    @MemberGetter
    public static native int LLM_TYPE_BF16();

    @MemberGetter
    public static native int LLM_TYPE_Q8_0();

    @MemberGetter
    public static native int LLM_TYPE_Q4_0();

    @MemberGetter
    public static native int LLM_TYPE_Q4_1();

    @MemberGetter
    public static native int LLM_TYPE_Q5_0();

    @MemberGetter
    public static native int LLM_TYPE_Q5_1();

    @MemberGetter
    public static native int LLM_TYPE_Q4_K();

    @MemberGetter
    public static native int LLM_TYPE_Q5_K();

    @MemberGetter
    public static native int LLM_TYPE_Q6_K();

    public static native int llm_type_block_size(int type);

    public static native int llm_type_block_bytes(int type);

    // matmul.h
    public static native int llm_matmul(@Cast("float*") long out, @Cast("const float*") long x,
            @Cast("const void*") long w, int wType, long n, long k, long m);

    // embedding.h
    public static native int llm_embedding_rows(@Cast("float*") long out, @Cast("const void*") long table,
            int tableType, @Cast("const int32_t*") int[] ids, long n, long d);

    public static native int llm_pool(@Cast("float*") long out, @Cast("const float*") long x,
            @Cast("const int32_t*") int[] mask, int mode, long batch, long seq, long d);

    public static native int llm_dequantize(@Cast("float*") long out, @Cast("const void*") long src, int type, long n);

    public static native int llm_quantize(@Cast("void*") long out, @Cast("const float*") long src, int type, long n);

    // norm.h
    public static native int llm_rows_find(String name);

    public static native int llm_rows(int kernel, @Cast("float*") long out, @Cast("const float*") long x,
            @Cast("const int64_t*") long[] vectors, int nVectors, @Cast("const float*") float[] scalars, int nScalars,
            long n, long d);

    // elementwise.h
    public static native int llm_add(@Cast("float*") long out, @Cast("const float*") long a,
            @Cast("const float*") long b, long n, long d, int full);

    public static native int llm_elementwise_find(String name);

    public static native int llm_elementwise(int kernel, @Cast("float*") long out,
            @Cast("const int64_t*") long[] inputs, int nInputs, @Cast("const float*") float[] scalars, int nScalars,
            long n);

    // rope.h
    public static native int llm_rope(@Cast("float*") long x, long batch, long seq, long heads, long headDim,
            long posOffset, int style, double theta, long rotDims, @Cast("const float*") float[] freqFactors);

    public static native int llm_rope_rows(@Cast("float*") long x, @Cast("const int32_t*") int[] positions, long n,
            long heads, long headDim, int style, double theta, long rotDims, @Cast("const float*") float[] freqFactors);

    // paged_attention.h
    public static native int llm_paged_kv_write(@Cast("float*") long kPool, @Cast("float*") long vPool,
            @Cast("const float*") long k, @Cast("const float*") long v, @Cast("const int32_t*") int[] slots, long n,
            long kvHeads, long headDim, long blockSize);

    public static native int llm_paged_attention(@Cast("float*") long out, @Cast("const float*") long q,
            @Cast("const float*") long kPool, @Cast("const float*") long vPool,
            @Cast("const int32_t*") int[] blockTables, @Cast("const int32_t*") int[] rowSeq,
            @Cast("const int32_t*") int[] rowPos, long n, long heads, long kvHeads, long headDim, long blockSize,
            long maxBlocks, float scale);

    // attention.h
    public static native int llm_attention(@Cast("float*") long out, @Cast("const float*") long q,
            @Cast("const float*") long k, @Cast("const float*") long v, @Cast("const int32_t*") int[] mask,
            long batch, long nq, long heads, long kvHeads, long headDim, long capacity, long kvLen, long qPos,
            float scale, int causal, long window);

    // probe.h
    public static native int llm_probe_read(@Cast("int64_t*") long[] sumOut, @Cast("const void*") long buffer,
            long bytes);

    // sampling.h
    public static native int llm_sample(@Cast("int32_t*") int[] out, @Cast("const float*") long logits, long vocab,
            @Cast("const int32_t*") int[] biasIds, @Cast("const float*") float[] biasValues, long nBias,
            @Cast("const int32_t*") int[] recent, long nRecent, float temperature, int topK, float topP, float minP,
            float repetitionPenalty, float frequencyPenalty, float presencePenalty, double uniform);
}
