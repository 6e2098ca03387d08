package dev.llmaccel.tokenizer;

/**
 * The pieces of a word during BPE: spans of the text in a doubly linked list, so that merging two
 * neighbours costs O(1) instead of rebuilding strings. A merged-away symbol has length 0.
 */
final class Symbols {
    final int count;
    final int[] start;
    final int[] length;
    final int[] prev;
    final int[] next;

    private Symbols(int count) {
        this.count = count;
        start = new int[count];
        length = new int[count];
        prev = new int[count];
        next = new int[count];
    }

    /** One symbol per code point of text (which must not be empty). */
    static Symbols ofCodePoints(String text) {
        Symbols symbols = new Symbols(text.codePointCount(0, text.length()));
        int offset = 0;
        for (int i = 0; i < symbols.count; i++) {
            int chars = Character.charCount(text.codePointAt(offset));
            symbols.start[i] = offset;
            symbols.length[i] = chars;
            symbols.prev[i] = i - 1;
            symbols.next[i] = i + 1 < symbols.count ? i + 1 : -1;
            offset += chars;
        }
        return symbols;
    }

    /** Merges the symbol after i into i. */
    void mergeWithNext(int i) {
        int right = next[i];
        length[i] += length[right];
        length[right] = 0;
        next[i] = next[right];
        if (next[right] >= 0) {
            prev[next[right]] = i;
        }
    }
}
