package dev.llmaccel.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.spark.sql.Row;

/**
 * A partition's rows, mapped a chunk at a time: reads up to chunkSize input rows, maps them in
 * one call (one batched model pass for the chunk, not one per row), hands the results out in
 * order, then reads the next chunk. Only one chunk is held at a time, so a partition of any size
 * streams through in bounded memory.
 */
final class ChunkedRows implements Iterator<Row> {
    private final Iterator<Row> input;
    private final int chunkSize;
    private final Function<List<Row>, List<Row>> mapChunk;
    private Iterator<Row> current = Collections.emptyIterator();

    ChunkedRows(Iterator<Row> input, int chunkSize, Function<List<Row>, List<Row>> mapChunk) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1, got " + chunkSize);
        }
        this.input = input;
        this.chunkSize = chunkSize;
        this.mapChunk = mapChunk;
    }

    @Override
    public boolean hasNext() {
        while (!current.hasNext() && input.hasNext()) {
            List<Row> chunk = new ArrayList<>(chunkSize);
            while (chunk.size() < chunkSize && input.hasNext()) {
                chunk.add(input.next());
            }
            List<Row> out = mapChunk.apply(chunk);
            if (out.size() != chunk.size()) {
                throw new IllegalStateException(chunk.size() + " rows in, " + out.size() + " out");
            }
            current = out.iterator();
        }
        return current.hasNext();
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return current.next();
    }

    /** The input row with one more value at the end. */
    static Row appended(Row row, Object value) {
        Object[] values = new Object[row.length() + 1];
        for (int i = 0; i < row.length(); i++) {
            values[i] = row.get(i);
        }
        values[row.length()] = value;
        return org.apache.spark.sql.RowFactory.create(values);
    }
}
