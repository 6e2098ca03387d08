package dev.llmaccel.backend;

import java.util.Objects;

/**
 * The rows of one batch over a paged key/value cache (see {@link Backend#pagedAttention}): which
 * sequence each row belongs to, at which position it sits, and where each sequence's positions
 * live. The cache holds keys and values in blocks of blockSize slots; row s of blockTables lists
 * sequence s's blocks in order, so its position p lives in slot
 * {@code blockTables[s * maxBlocks + p / blockSize] * blockSize + p % blockSize}. Entries of a
 * table past the blocks its rows reach are not read (any value, -1 by convention).
 *
 * <p>Row i attends the keys at positions 0 .. rowPosition[i] of its sequence (causal), its own
 * included.
 *
 * @param scale multiplier of q·k (usually 1/sqrt(headDim))
 * @param blockSize slots per block
 * @param blockTables (sequences, maxBlocks) block ids, row-major
 * @param maxBlocks entries per table row
 * @param rowSequence the sequence (table row) of each batch row
 * @param rowPosition the position of each batch row in its sequence
 */
public record PagedAttentionParams(float scale, int blockSize, int[] blockTables, int maxBlocks, int[] rowSequence,
        int[] rowPosition) {

    public PagedAttentionParams {
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("attention scale must be positive and finite, got " + scale);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be >= 1, got " + blockSize);
        }
        Objects.requireNonNull(blockTables, "blockTables");
        Objects.requireNonNull(rowSequence, "rowSequence");
        Objects.requireNonNull(rowPosition, "rowPosition");
        if (maxBlocks < 1 || blockTables.length % maxBlocks != 0) {
            throw new IllegalArgumentException("block tables of " + blockTables.length + " entries are not rows of "
                    + maxBlocks);
        }
        if (rowSequence.length != rowPosition.length) {
            throw new IllegalArgumentException(rowSequence.length + " row sequences but " + rowPosition.length
                    + " row positions");
        }
        blockTables = blockTables.clone();
        rowSequence = rowSequence.clone();
        rowPosition = rowPosition.clone();
        int sequences = blockTables.length / maxBlocks;
        for (int i = 0; i < rowSequence.length; i++) {
            if (rowSequence[i] < 0 || rowSequence[i] >= sequences) {
                throw new IndexOutOfBoundsException("row " + i + " belongs to sequence " + rowSequence[i] + " outside [0, "
                        + sequences + ")");
            }
            if (rowPosition[i] < 0 || rowPosition[i] / blockSize >= maxBlocks) {
                throw new IndexOutOfBoundsException("row " + i + " at position " + rowPosition[i] + " is outside its "
                        + maxBlocks + " blocks of " + blockSize);
            }
        }
    }

    /** Rows in the batch. */
    public int rows() {
        return rowSequence.length;
    }

    /** Sequences (rows of the block tables). */
    public int sequences() {
        return blockTables.length / maxBlocks;
    }

    /** The cache slot of row i's position. */
    public int slot(int i) {
        int p = rowPosition[i];
        return blockTables[rowSequence[i] * maxBlocks + p / blockSize] * blockSize + p % blockSize;
    }

    @Override
    public int[] blockTables() {
        return blockTables.clone();
    }

    @Override
    public int[] rowSequence() {
        return rowSequence.clone();
    }

    @Override
    public int[] rowPosition() {
        return rowPosition.clone();
    }

    /** The arrays themselves, for the backends of this package (never handed out). */
    int[] tables() {
        return blockTables;
    }

    int[] sequenceOfRows() {
        return rowSequence;
    }

    int[] positionOfRows() {
        return rowPosition;
    }
}
