package dev.llmaccel.backend;

/** The operations a {@link Backend} implements; {@link Backend#supports} answers per op and weight type. */
public enum Op {
    EMBEDDING,
    MATMUL,
    RMS_NORM,
    LAYER_NORM,
    ROPE,
    SWIGLU,
    GELU,
    ADD,
    SOFTMAX,
    ATTENTION,
    PAGED_KV_WRITE,
    PAGED_ATTENTION,
    POOL,
    L2_NORMALIZE,
    SAMPLE,
    COPY
}
