package dev.llmaccel.tokenizer;

import java.util.Arrays;

/** A growable list of token ids, the output of encoding. */
final class IdBuffer {
    private int[] ids;
    private int size;

    IdBuffer(int capacity) {
        ids = new int[Math.max(capacity, 8)];
    }

    void add(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
    }

    void addAll(int[] more) {
        for (int id : more) {
            add(id);
        }
    }

    int size() {
        return size;
    }

    /** Drops the ids from index newSize on. */
    void truncate(int newSize) {
        size = newSize;
    }

    int[] toArray() {
        return Arrays.copyOf(ids, size);
    }
}
