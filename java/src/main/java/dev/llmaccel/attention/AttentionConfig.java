package dev.llmaccel.attention;

/**
 * Shape and masking of an attention layer.
 *
 * @param heads query heads
 * @param kvHeads key/value heads; must divide heads (grouped-query attention)
 * @param headDim size of each head
 * @param causal whether a token sees only itself and earlier tokens (decoders) or all (encoders)
 * @param window sliding-window size in tokens, 0 for none
 * @param scale multiplier of q·k; usually 1 / sqrt(headDim)
 */
public record AttentionConfig(int heads, int kvHeads, int headDim, boolean causal, int window, float scale) {
    public AttentionConfig {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("heads, kvHeads and headDim must be positive: " + heads + ", " + kvHeads + ", " + headDim);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads are not divisible by " + kvHeads + " key/value heads");
        }
        if (window < 0) {
            throw new IllegalArgumentException("window must be >= 0, got " + window);
        }
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
        }
    }

    /** A decoder layer: causal, no window, scale 1/sqrt(headDim). */
    public static AttentionConfig causal(int heads, int kvHeads, int headDim) {
        return new AttentionConfig(heads, kvHeads, headDim, true, 0, (float) (1 / Math.sqrt(headDim)));
    }

    /** An encoder layer: bidirectional, no window, scale 1/sqrt(headDim). */
    public static AttentionConfig bidirectional(int heads, int headDim) {
        return new AttentionConfig(heads, heads, headDim, false, 0, (float) (1 / Math.sqrt(headDim)));
    }

    public AttentionConfig withWindow(int w) {
        return new AttentionConfig(heads, kvHeads, headDim, causal, w, scale);
    }
}
