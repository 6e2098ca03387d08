package dev.llmaccel.grammar;

import dev.llmaccel.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * The bytes of every token of a vocabulary, in a trie, for {@link TokenConstraint}: masking walks
 * the trie from the grammar's current state, and a prefix the grammar rejects prunes every token
 * that starts with it. Built once per tokenizer (a 128k vocabulary takes a fraction of a second)
 * and shared: immutable and thread-safe.
 *
 * <p>End-of-generation tokens are allowed exactly where the grammar can end; tokens without bytes
 * (BOS, other control tokens) are never allowed under a grammar.
 */
public final class TokenVocabulary {
    private final byte[][] bytes;
    private final BitSet ends;

    // The trie in preorder: node 0 is the root; node i's edge from its parent carries a byte, it
    // sits at a depth, its subtree is [i, subtreeEnd[i]), and the tokens whose bytes end there are
    // tokens[tokensStart[i] .. tokensStart[i + 1]).
    /**
     * Per node, packed for the walk: its byte | depth << 8 (depth below 2^22), {@link #PLAIN_SUBTREE}
     * when every byte of its subtree is {@link #isPlain plain}, and the sign bit when tokens end there.
     */
    final int[] packed;
    static final int PLAIN_SUBTREE = 1 << 30;
    final int[] subtreeEnd;
    final int[] tokensStart;
    final int[] tokens;
    final int maxDepth;
    /** The end-of-generation tokens' ids, ascending. */
    final int[] endIds;

    private TokenVocabulary(byte[][] bytes, BitSet ends) {
        this.bytes = bytes;
        this.ends = ends;
        this.endIds = ends.stream().toArray();
        Integer[] order = new Integer[bytes.length];
        int n = 0;
        for (int id = 0; id < bytes.length; id++) {
            if (!ends.get(id) && bytes[id].length > 0) {
                order[n++] = id;
            }
        }
        Integer[] sorted = Arrays.copyOf(order, n);
        Arrays.sort(sorted, (a, b) -> Arrays.compareUnsigned(bytes[a], bytes[b]));
        IntList edge = new IntList();
        IntList depths = new IntList();
        IntList nodeOfToken = new IntList();
        edge.add(0);
        depths.add(0);
        int longest = 0;
        for (Integer id : sorted) {
            longest = Math.max(longest, bytes[id].length);
        }
        int[] path = new int[longest + 1];
        int[] end = new int[16];
        byte[] previous = new byte[0];
        int d = 0;
        for (Integer id : sorted) {
            byte[] b = bytes[id];
            int common = Arrays.mismatch(previous, b);   // where they differ; -1 when equal
            common = common < 0 ? b.length : common;
            while (d > common) {
                end = setEnd(end, path[d--], edge.size());
            }
            while (d < b.length) {
                int node = edge.size();
                edge.add(b[d] & 0xFF);
                depths.add(d + 1);
                path[++d] = node;
            }
            nodeOfToken.add(path[d]);
            previous = b;
        }
        while (d > 0) {
            end = setEnd(end, path[d--], edge.size());
        }
        int nodes = edge.size();
        end = setEnd(end, 0, nodes);
        int[] edgeByte = edge.toArray();
        int[] depth = depths.toArray();
        this.subtreeEnd = Arrays.copyOf(end, nodes);
        this.maxDepth = longest;
        // tokens by node: sorted order visits nodes in preorder, so they come grouped and ascending
        this.tokens = new int[n];
        this.tokensStart = new int[nodes + 1];
        for (int i = 0; i < n; i++) {
            tokens[i] = sorted[i];
            tokensStart[nodeOfToken.get(i) + 1]++;
        }
        for (int i = 0; i < nodes; i++) {
            tokensStart[i + 1] += tokensStart[i];
        }
        if (longest >= 1 << 22) {
            throw new IllegalArgumentException("a token of " + longest + " bytes is too long");
        }
        // nodes before each one whose byte is not plain, to tell plain subtrees in O(1)
        int[] notPlainBefore = new int[nodes + 1];
        for (int i = 0; i < nodes; i++) {
            notPlainBefore[i + 1] = notPlainBefore[i] + (i > 0 && !isPlain(edgeByte[i]) ? 1 : 0);
        }
        this.packed = new int[nodes];
        for (int i = 0; i < nodes; i++) {
            boolean plain = i > 0 && notPlainBefore[subtreeEnd[i]] == notPlainBefore[i];
            packed[i] = edgeByte[i] | depth[i] << 8 | (plain ? PLAIN_SUBTREE : 0)
                    | (tokensStart[i + 1] > tokensStart[i] ? Integer.MIN_VALUE : 0);
        }
    }

    /**
     * Printable ASCII but the quote and the backslash: the bytes a JSON string (and most text)
     * takes without changing state, so that a walk can take a whole subtree of them at once.
     */
    static boolean isPlain(int b) {
        return b >= 0x20 && b < 0x7F && b != '"' && b != '\\';
    }

    private static int[] setEnd(int[] end, int node, int value) {
        if (node >= end.length) {
            end = Arrays.copyOf(end, Math.max(end.length * 2, node + 1));
        }
        end[node] = value;
        return end;
    }

    /** The vocabulary of a tokenizer: each token's {@link Tokenizer#tokenBytes}, its end-of-generation tokens as ends. */
    public static TokenVocabulary of(Tokenizer tokenizer) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        int n = tokenizer.vocabSize();
        List<byte[]> bytes = new ArrayList<>(n);
        BitSet ends = new BitSet(n);
        for (int id = 0; id < n; id++) {
            bytes.add(tokenizer.tokenBytes(id));
            if (tokenizer.isEndOfGeneration(id)) {
                ends.set(id);
            }
        }
        return of(bytes, ends);
    }

    /**
     * A vocabulary from token bytes by id (for tokenizers of one's own and synthetic vocabularies).
     *
     * @param ends the ids of end-of-generation tokens (their bytes are ignored)
     * @throws IllegalArgumentException when an end id is outside [0, number of tokens)
     */
    public static TokenVocabulary of(List<byte[]> tokenBytes, BitSet ends) {
        Objects.requireNonNull(tokenBytes, "tokenBytes");
        Objects.requireNonNull(ends, "ends");
        if (tokenBytes.isEmpty()) {
            throw new IllegalArgumentException("the vocabulary has no tokens");
        }
        if (ends.length() > tokenBytes.size()) {
            throw new IllegalArgumentException("end token " + (ends.length() - 1) + " is outside the " + tokenBytes.size() + " tokens");
        }
        byte[][] copy = new byte[tokenBytes.size()][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = Objects.requireNonNull(tokenBytes.get(i), "token bytes").clone();
        }
        return new TokenVocabulary(copy, (BitSet) ends.clone());
    }

    /** Number of tokens; ids run from 0 to size() - 1. */
    public int size() {
        return bytes.length;
    }

    /** Whether id is an end-of-generation token. */
    public boolean isEnd(int id) {
        return ends.get(id);
    }

    /** The bytes of token id (a copy). */
    public byte[] bytes(int id) {
        return bytes[id].clone();
    }

    /** Number of nodes of the trie, the root included. */
    public int trieNodes() {
        return packed.length;
    }

    byte[] bytesOf(int id) {
        return bytes[id];
    }
}
