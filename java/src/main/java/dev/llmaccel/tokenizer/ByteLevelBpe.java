package dev.llmaccel.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Byte-level BPE with ranked merges (GPT-2, Llama 3, Qwen2, SmolLM...; GGUF
 * {@code tokenizer.ggml.model = "gpt2"}): the pre-tokenizer splits the text into words, each word's
 * UTF-8 bytes are spelled with {@link ByteToUnicode}, and adjacent pieces are merged by the
 * lowest-ranked merge until none applies.
 */
final class ByteLevelBpe extends VocabularyTokenizer {
    private final PreTokenizer preTokenizer;
    /** Merge of (left id, right id), keyed by {@link #pairKey}. */
    private final Map<Long, Merge> merges;

    private record Merge(int rank, int result) {}

    /**
     * @param merges the merge rules in rank order, each "left right" in the byte spelling; rules
     *     whose parts or result are not tokens can never produce a token and are dropped
     */
    ByteLevelBpe(Vocabulary vocabulary, SpecialTokens special, PreTokenizer preTokenizer, List<String> merges) {
        super(vocabulary, special);
        this.preTokenizer = preTokenizer;
        this.merges = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            String rule = merges.get(rank);
            int space = rule.indexOf(' ', 1);
            if (space < 0) {
                continue;
            }
            String left = rule.substring(0, space);
            String right = rule.substring(space + 1);
            int leftId = vocabulary.id(left);
            int rightId = vocabulary.id(right);
            int result = vocabulary.id(left + right);
            if (leftId >= 0 && rightId >= 0 && result >= 0) {
                this.merges.putIfAbsent(pairKey(leftId, rightId), new Merge(rank, result));
            }
        }
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    @Override
    void encodeText(String text, boolean atStart, IdBuffer out) {
        for (String word : preTokenizer.split(text)) {
            String spelled = ByteToUnicode.encode(word);
            if (preTokenizer.ignoreMerges()) {
                int whole = vocabulary.id(spelled);
                if (whole >= 0) {
                    out.add(whole);
                    continue;
                }
            }
            encodeWord(spelled, out);
        }
    }

    private void encodeWord(String spelled, IdBuffer out) {
        if (spelled.isEmpty()) {
            return;
        }
        Symbols symbols = Symbols.ofCodePoints(spelled);
        int[] ids = new int[symbols.count];
        for (int i = 0; i < symbols.count; i++) {
            ids[i] = vocabulary.id(spelled.substring(symbols.start[i], symbols.start[i] + symbols.length[i]));
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>();
        for (int i = 1; i < symbols.count; i++) {
            offerBigram(symbols, ids, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left();
            int right = bigram.right();
            // Skip a pair of which one side has changed since it was queued.
            if (symbols.length[left] == 0 || symbols.length[right] == 0 || symbols.next[left] != right
                    || ids[left] != bigram.leftId() || ids[right] != bigram.rightId()) {
                continue;
            }
            symbols.mergeWithNext(left);
            ids[left] = bigram.result();
            offerBigram(symbols, ids, symbols.prev[left], left, queue);
            offerBigram(symbols, ids, left, symbols.next[left], queue);
        }
        for (int i = 0; i != -1; i = symbols.next[i]) {
            if (ids[i] >= 0) {
                out.add(ids[i]);
            } else if (special.unknown() >= 0) {
                out.add(special.unknown());
            }
            // else: a byte the vocabulary cannot spell is dropped, as llama.cpp does
        }
    }

    private void offerBigram(Symbols symbols, int[] ids, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0 || ids[left] < 0 || ids[right] < 0) {
            return;
        }
        Merge merge = merges.get(pairKey(ids[left], ids[right]));
        if (merge != null) {
            queue.add(new Bigram(left, right, ids[left], ids[right], merge.rank(), merge.result()));
        }
    }

    @Override
    byte[] pieceBytes(int previousId, int id) {
        switch (vocabulary.type(id)) {
            case NORMAL:
                return ByteToUnicode.decode(vocabulary.text(id));
            case USER_DEFINED:
                return vocabulary.text(id).getBytes(StandardCharsets.UTF_8);
            default:
                return new byte[0];   // control, unknown, unused and untyped tokens have no text
        }
    }

    @Override
    boolean stripsLeadingSpace() {
        return false;
    }

    /** A candidate merge: lowest rank first, then leftmost. */
    private record Bigram(int left, int right, int leftId, int rightId, int rank, int result) implements Comparable<Bigram> {
        @Override
        public int compareTo(Bigram o) {
            int byRank = Integer.compare(rank, o.rank);
            return byRank != 0 ? byRank : Integer.compare(left, o.left);
        }
    }
}
