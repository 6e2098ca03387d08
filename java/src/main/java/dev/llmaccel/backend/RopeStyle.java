package dev.llmaccel.backend;

/** How rotary position embedding pairs the dimensions of a head. */
public enum RopeStyle {
    /** Adjacent pairs (2i, 2i + 1): Llama's original layout ("normal" in GGML). */
    NORMAL,
    /** Halves (i, i + d/2): GPT-NeoX, Qwen2 and others ("neox" in GGML). */
    NEOX
}
