package dev.llmaccel.serving;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * Which blocks of the paged cache are in use, by how many sequences, and which full blocks hold a
 * reusable prefix. Block ids run over [0, total). A block is either held (reference count > 0) or
 * free; a free block is empty, or still holds a sealed prefix block and waits in least-recently-
 * freed order until a prompt reuses it or an allocation needs it.
 *
 * <p>Prefix identity (vLLM's scheme): a full block of tokens that a sequence has computed is
 * sealed under hash(parent's hash, its tokens); a later prompt whose first blocks have the same
 * chain of hashes takes those blocks instead of computing them. The tokens and the parent's hash
 * are kept with every sealed block and compared on each match, so a hash collision can only
 * matter where two different prefixes also collide in the parent's 64-bit hash.
 *
 * <p>Used by the scheduler thread alone: not thread-safe.
 */
final class BlockPool {
    private final int blockSize;
    private final boolean prefixCaching;
    private final int[] references;
    private final boolean[] sealed;
    private final long[] hashes;
    private final long[] parentHashes;
    private final int[][] tokens;                                  // of sealed blocks
    private final Map<Long, Integer> byHash = new HashMap<>();
    private final ArrayDeque<Integer> empty = new ArrayDeque<>();  // free, holding nothing
    private final LinkedHashSet<Integer> cachedFree = new LinkedHashSet<>();  // free, sealed, oldest first

    BlockPool(int total, int blockSize, boolean prefixCaching) {
        this.blockSize = blockSize;
        this.prefixCaching = prefixCaching;
        this.references = new int[total];
        this.sealed = new boolean[total];
        this.hashes = new long[total];
        this.parentHashes = new long[total];
        this.tokens = new int[total][];
        for (int b = 0; b < total; b++) {
            empty.add(b);
        }
    }

    int total() {
        return references.length;
    }

    int blockSize() {
        return blockSize;
    }

    /** Blocks no sequence holds (cached ones included: they are reclaimed on demand). */
    int free() {
        return empty.size() + cachedFree.size();
    }

    /** Free blocks that still hold a reusable prefix. */
    int cached() {
        return cachedFree.size();
    }

    /**
     * A block for one sequence to write: an empty one if there is any, else the least recently
     * freed cached one (its prefix forgotten). -1 when every block is held.
     */
    int allocate() {
        Integer b = empty.poll();
        if (b == null) {
            Iterator<Integer> oldest = cachedFree.iterator();
            if (!oldest.hasNext()) {
                return -1;
            }
            b = oldest.next();
            oldest.remove();
            forget(b);
        }
        references[b] = 1;
        return b;
    }

    /**
     * The cached blocks that hold the first blocks of tokens, at most maxBlocks of them, each now
     * held once more by the caller (release them like allocated ones).
     */
    int[] acquirePrefix(int[] sequence, int maxBlocks) {
        if (!prefixCaching) {
            return new int[0];
        }
        int[] found = new int[maxBlocks];
        int n = 0;
        long parent = 0;
        while (n < maxBlocks) {
            long h = hash(parent, sequence, n * blockSize);
            Integer b = byHash.get(h);
            if (b == null || parentHashes[b] != parent || !sameTokens(tokens[b], sequence, n * blockSize)) {
                break;
            }
            if (references[b]++ == 0) {
                cachedFree.remove(b);
            }
            found[n++] = b;
            parent = h;
        }
        return Arrays.copyOf(found, n);
    }

    /**
     * Marks held block b, now full with the tokens at sequence[from .. from + blockSize), as a
     * reusable prefix block after the block of hash parent; returns its hash (the next block's
     * parent). When another block already holds that prefix, b stays unsealed (it is freed as an
     * empty block) and the hash is returned all the same.
     */
    long seal(int b, long parent, int[] sequence, int from) {
        long h = hash(parent, sequence, from);
        if (!prefixCaching || sealed[b] || byHash.containsKey(h)) {
            return h;
        }
        sealed[b] = true;
        hashes[b] = h;
        parentHashes[b] = parent;
        tokens[b] = Arrays.copyOfRange(sequence, from, from + blockSize);
        byHash.put(h, b);
        return h;
    }

    /** Drops one hold on b; at none, b is free (and, when sealed, cached). */
    void release(int b) {
        if (references[b] <= 0) {
            throw new IllegalStateException("block " + b + " is not held");
        }
        if (--references[b] > 0) {
            return;
        }
        if (sealed[b]) {
            cachedFree.add(b);
        } else {
            empty.add(b);
        }
    }

    /** The prefix hash of sealed block b. */
    long hash(int b) {
        if (!sealed[b]) {
            throw new IllegalStateException("block " + b + " is not sealed");
        }
        return hashes[b];
    }

    /** Sequences holding block b (for the scheduler's checks and tests). */
    int references(int b) {
        return references[b];
    }

    /** Whether b holds a sealed prefix block (never written again while sealed). */
    boolean isSealed(int b) {
        return sealed[b];
    }

    private void forget(int b) {
        if (sealed[b]) {
            byHash.remove(hashes[b]);
            sealed[b] = false;
            tokens[b] = null;
        }
    }

    private boolean sameTokens(int[] cached, int[] sequence, int from) {
        for (int i = 0; i < blockSize; i++) {
            if (cached[i] != sequence[from + i]) {
                return false;
            }
        }
        return true;
    }

    /** hash(parent, sequence[from .. from + blockSize)): FNV-1a over the ints, then a 64-bit finalizer. */
    private long hash(long parent, int[] sequence, int from) {
        long h = 0xcbf29ce484222325L ^ parent;
        for (int i = 0; i < blockSize; i++) {
            h = (h ^ sequence[from + i]) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
