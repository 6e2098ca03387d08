package dev.llmaccel.tokenizer;

import dev.llmaccel.format.ModelFormatException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The entries of a vocabulary: text, score and type per id, and the index from text to id.
 * Immutable once built.
 */
final class Vocabulary {
    /**
     * End-of-turn markers of chat models, found by text because GGUF files do not always name
     * them (llama.cpp does the same); they stop generation and are control tokens whatever type
     * the file gives them.
     */
    private static final Set<String> END_OF_TURN_TEXTS = Set.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
            "<EOT>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>");

    private final String[] texts;
    private final float[] scores;
    private final TokenType[] types;
    private final Map<String, Integer> idsByText;
    private final BitSet endOfTurn = new BitSet();
    private final int[] specialIdsLongestFirst;
    private final int longestTextChars;

    /**
     * @param source names the file in error messages
     * @param scores one per token, or null (all 0)
     * @param types one per token, or null (all normal)
     * @throws ModelFormatException when the arrays disagree in length or a text occurs twice
     */
    Vocabulary(String source, List<String> texts, float[] scores, TokenType[] types) throws ModelFormatException {
        int n = texts.size();
        if (n == 0) {
            throw new ModelFormatException(source + ": the vocabulary is empty");
        }
        if (scores != null && scores.length != n) {
            throw new ModelFormatException(source + ": " + scores.length + " token scores for " + n + " tokens");
        }
        if (types != null && types.length != n) {
            throw new ModelFormatException(source + ": " + types.length + " token types for " + n + " tokens");
        }
        this.texts = new String[n];
        this.scores = scores != null ? scores.clone() : new float[n];
        this.types = new TokenType[n];
        this.idsByText = new HashMap<>(n * 2);
        int longest = 0;
        for (int id = 0; id < n; id++) {
            String text = texts.get(id);
            if (text == null || text.isEmpty()) {
                text = "[EMPTY_" + id + "]";   // as llama.cpp names them, so every id keeps a findable text
            }
            Integer previous = idsByText.putIfAbsent(text, id);
            if (previous != null) {
                throw new ModelFormatException(source + ": tokens " + previous + " and " + id + " have the same text '" + text + "'");
            }
            this.texts[id] = text;
            this.types[id] = types != null ? types[id] : TokenType.NORMAL;
            if (END_OF_TURN_TEXTS.contains(text)) {
                endOfTurn.set(id);
                this.types[id] = TokenType.CONTROL;
            }
            longest = Math.max(longest, text.length());
        }
        this.longestTextChars = longest;
        List<Integer> special = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            if (this.types[id].isSpecial()) {
                special.add(id);
            }
        }
        // Longest first, so that a special token containing another is matched as a whole.
        special.sort(Comparator.comparingInt((Integer id) -> -this.texts[id].length()).thenComparingInt(id -> id));
        this.specialIdsLongestFirst = special.stream().mapToInt(Integer::intValue).toArray();
    }

    int size() {
        return texts.length;
    }

    String text(int id) {
        return texts[id];
    }

    float score(int id) {
        return scores[id];
    }

    TokenType type(int id) {
        return types[id];
    }

    /** The id of an entry by its exact text, -1 when absent. */
    int id(String text) {
        Integer id = idsByText.get(text);
        return id != null ? id : -1;
    }

    /** The id if 0 <= id < size, else -1: how ids read from metadata are checked. */
    int idOrNone(long id) {
        return id >= 0 && id < texts.length ? (int) id : -1;
    }

    /** Length in chars of the longest entry. */
    int longestTextChars() {
        return longestTextChars;
    }

    /** Control, user-defined and unknown tokens, longest text first. */
    int[] specialIdsLongestFirst() {
        return specialIdsLongestFirst;
    }

    /** Tokens whose text marks the end of a chat turn. */
    BitSet endOfTurn() {
        return (BitSet) endOfTurn.clone();
    }
}
