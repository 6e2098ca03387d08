package dev.llmaccel.backend;

/**
 * Settings of one scaled dot-product attention call.
 *
 * <p>Queries sit at positions {@code queryPosition, queryPosition + 1, ...}; keys at positions
 * {@code 0 .. kvLength - 1} of the key/value tensors. Key j is visible to the query at position p
 * when every rule in force allows it: causal ({@code j <= p}), sliding window ({@code p - j < window},
 * and {@code j - p < window} when not causal), and the padding mask ({@code mask[b][j] != 0}).
 * A query that sees no key gets a zero output.
 *
 * @param scale multiplier of q·k (usually 1/sqrt(headDim))
 * @param causal whether keys after the query's position are hidden
 * @param window sliding-window size in positions, 0 for none
 * @param queryPosition position of the first query
 * @param kvLength how many leading key/value rows are used
 * @param mask padding mask, one int per (batch, key) row-major, 0 hides the key; null keeps all
 */
public record AttentionParams(float scale, boolean causal, int window, long queryPosition, long kvLength, int[] mask) {
    public AttentionParams {
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("attention scale must be positive and finite, got " + scale);
        }
        if (window < 0) {
            throw new IllegalArgumentException("window must be >= 0, got " + window);
        }
        if (queryPosition < 0) {
            throw new IllegalArgumentException("query position must be >= 0, got " + queryPosition);
        }
        if (kvLength < 0) {
            throw new IllegalArgumentException("kv length must be >= 0, got " + kvLength);
        }
        mask = mask == null ? null : mask.clone();
    }

    @Override
    public int[] mask() {
        return mask == null ? null : mask.clone();
    }

    /** Whether key j is visible to the query at position p, mask aside. */
    public boolean visible(long p, long j) {
        if (causal && j > p) {
            return false;
        }
        if (window > 0 && (p - j >= window || (!causal && j - p >= window))) {
            return false;
        }
        return true;
    }

    /** The mask entry for (batch b, key j); true when no mask is set. */
    public boolean kept(int b, long j) {
        return mask == null || mask[(int) (b * kvLength + j)] != 0;
    }
}
