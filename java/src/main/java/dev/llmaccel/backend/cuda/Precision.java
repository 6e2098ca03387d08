package dev.llmaccel.backend.cuda;

/** How much of the arithmetic may run in BF16 on tensor cores ({@link CudaBackend#precision}). */
public enum Precision {
    /**
     * Results within the CPU backend's error bounds (the default): batched products with BF16
     * weights split x into two BF16 parts (two tensor-core passes, BF16's range); prefill
     * attention runs in F32.
     */
    F32,
    /**
     * Faster, near 2e-3 relative error, as BF16 inference engines run: batched products round x to
     * BF16 once for BF16 weights; prefill attention with head size 64 or 128 runs q·k and p·v on
     * BF16 tensor cores (F32 softmax and sums, FlashAttention-2's scheme).
     */
    BF16
}
