package dev.llmaccel.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * WordPiece (BERT; GGUF {@code tokenizer.ggml.model = "bert"} and tokenizer.json): normalize, split
 * into words at whitespace and punctuation, then cut each word greedily into the longest pieces
 * the vocabulary has, the first as a word start and the rest as continuations. A word that cannot
 * be cut, or is longer than the limit, becomes the unknown token.
 *
 * <p>The two spellings of a vocabulary are both read: tokenizer.json marks continuations
 * ({@code "##ing"}), llama.cpp's GGUF conversion marks word starts instead ({@code "\u2581play"}).
 */
final class WordPiece extends VocabularyTokenizer {
    /** Pieces that follow the previous word without a space when decoding. */
    private static final List<String> ATTACHED_PUNCTUATION = List.of(".", ",", "?", "!", "'");

    private final BertNormalizer normalizer;
    private final String wordStartPrefix;
    private final String continuationPrefix;
    private final int maxWordChars;

    /**
     * @param wordStartPrefix what the vocabulary puts before a word's first piece ("" or "\u2581")
     * @param continuationPrefix what it puts before the following pieces ("##" or "")
     * @param maxWordChars longer words become the unknown token
     */
    WordPiece(Vocabulary vocabulary, SpecialTokens special, BertNormalizer normalizer,
              String wordStartPrefix, String continuationPrefix, int maxWordChars) {
        super(vocabulary, special);
        if (!wordStartPrefix.isEmpty() && !continuationPrefix.isEmpty()) {
            throw new IllegalArgumentException("a vocabulary marks either word starts or continuations, not both");
        }
        this.normalizer = normalizer;
        this.wordStartPrefix = wordStartPrefix;
        this.continuationPrefix = continuationPrefix;
        this.maxWordChars = maxWordChars;
    }

    @Override
    void encodeText(String text, boolean atStart, IdBuffer out) {
        for (String word : splitWords(normalizer.normalize(text))) {
            encodeWord(word, out);
        }
    }

    /** BERT's pre-tokenizer: whitespace separates words and is dropped; punctuation is a word of its own. */
    static List<String> splitWords(String text) {
        List<String> words = new ArrayList<>();
        int wordStart = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            boolean space = BertNormalizer.isWhitespace(cp);
            if (space || BertNormalizer.isPunctuation(cp)) {
                if (wordStart >= 0) {
                    words.add(text.substring(wordStart, i));
                    wordStart = -1;
                }
                if (!space) {
                    words.add(text.substring(i, next));
                }
            } else if (wordStart < 0) {
                wordStart = i;
            }
            i = next;
        }
        if (wordStart >= 0) {
            words.add(text.substring(wordStart));
        }
        return words;
    }

    private void encodeWord(String word, IdBuffer out) {
        if (word.codePointCount(0, word.length()) > maxWordChars) {
            out.add(unknownOrFail("a word of more than " + maxWordChars + " characters"));
            return;
        }
        int mark = out.size();
        int longest = vocabulary.longestTextChars();
        for (int start = 0; start < word.length(); ) {
            String prefix = start == 0 ? wordStartPrefix : continuationPrefix;
            int end = Math.min(word.length(), start + longest);
            if (end < word.length() && Character.isLowSurrogate(word.charAt(end))) {
                end--;   // never cut a surrogate pair
            }
            int found = -1;
            while (end > start) {
                found = vocabulary.id(prefix + word.substring(start, end));
                if (found >= 0) {
                    break;
                }
                end -= Character.isLowSurrogate(word.charAt(end - 1)) && end - 2 >= start ? 2 : 1;
            }
            if (found < 0) {
                out.truncate(mark);
                out.add(unknownOrFail("the word '" + word + "'"));
                return;
            }
            out.add(found);
            start = end;
        }
    }

    @Override
    byte[] pieceBytes(int previousId, int id) {
        TokenType type = vocabulary.type(id);
        if (type == TokenType.CONTROL || type == TokenType.UNKNOWN || type == TokenType.UNUSED) {
            return new byte[0];
        }
        String text = vocabulary.text(id);
        String word = wordStartText(text);
        String piece;
        if (word == null) {
            piece = text.substring(continuationPrefix.length());
        } else {
            boolean attached = ATTACHED_PUNCTUATION.contains(word)
                    || (previousId >= 0 && "'".equals(wordStartText(vocabulary.text(previousId))));
            piece = attached ? word : " " + word;
        }
        return piece.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The text of an entry that starts a word, without its prefix; null for a continuation.
     * Bracketed entries ("[unused0]") start words in both spellings.
     */
    private String wordStartText(String text) {
        if (!continuationPrefix.isEmpty()) {
            return text.startsWith(continuationPrefix) ? null : text.substring(wordStartPrefix.length());
        }
        if (text.startsWith(wordStartPrefix)) {
            return text.substring(wordStartPrefix.length());
        }
        return text.length() > 1 && text.startsWith("[") && text.endsWith("]") ? text : null;
    }

    @Override
    boolean stripsLeadingSpace() {
        return true;
    }
}
