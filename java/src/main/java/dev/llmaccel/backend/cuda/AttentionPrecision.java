package dev.llmaccel.backend.cuda;

/** The arithmetic of prefill attention (more than 4 queries) on the GPU; decode is always F32. */
public enum AttentionPrecision {
    /** F32 throughout: as exact as the CPU backend (the default). */
    F32,
    /**
     * Head sizes 64 and 128: q·k and p·v on BF16 tensor cores with F32 softmax and sums, as
     * FlashAttention-2 does (relative error near 1e-3 instead of 1e-6; other head sizes stay F32).
     */
    BF16
}
