package dev.llmaccel.model.llama;

import java.util.Objects;

/**
 * The rows of one forward pass of a {@link LlamaBatchRunner}: tokens from several sequences, each
 * continuing its own sequence at its own position, and the rows whose logits are wanted.
 *
 * <p>Row i runs token tokens[i] of the sequence sequenceOfRow[i] (a row of blockTables) at
 * position positions[i]; its keys and values go into that position's cache slot, and it attends
 * the sequence's positions 0 .. positions[i]. The positions before a sequence's first row in the
 * batch must be in the cache already; its rows in the batch must be consecutive positions in order.
 *
 * @param tokens token ids, one per row
 * @param sequenceOfRow the sequence of each row
 * @param positions the position of each row
 * @param blockTables (sequences, maxBlocks) cache block ids, row-major (see
 *     {@link dev.llmaccel.backend.PagedAttentionParams})
 * @param maxBlocks entries per sequence in blockTables
 * @param logitRows the rows whose logits the pass returns, in the order of its output
 */
public record TokenBatch(int[] tokens, int[] sequenceOfRow, int[] positions, int[] blockTables, int maxBlocks,
        int[] logitRows) {

    public TokenBatch {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(sequenceOfRow, "sequenceOfRow");
        Objects.requireNonNull(positions, "positions");
        Objects.requireNonNull(blockTables, "blockTables");
        Objects.requireNonNull(logitRows, "logitRows");
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a batch needs at least one row");
        }
        if (sequenceOfRow.length != tokens.length || positions.length != tokens.length) {
            throw new IllegalArgumentException(tokens.length + " tokens but " + sequenceOfRow.length + " sequences and "
                    + positions.length + " positions");
        }
        tokens = tokens.clone();
        sequenceOfRow = sequenceOfRow.clone();
        positions = positions.clone();
        blockTables = blockTables.clone();
        logitRows = logitRows.clone();
        for (int r : logitRows) {
            if (r < 0 || r >= tokens.length) {
                throw new IndexOutOfBoundsException("logit row " + r + " outside [0, " + tokens.length + ")");
            }
        }
    }

    /** Rows in the batch. */
    public int rows() {
        return tokens.length;
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public int[] sequenceOfRow() {
        return sequenceOfRow.clone();
    }

    @Override
    public int[] positions() {
        return positions.clone();
    }

    @Override
    public int[] blockTables() {
        return blockTables.clone();
    }

    @Override
    public int[] logitRows() {
        return logitRows.clone();
    }
}
