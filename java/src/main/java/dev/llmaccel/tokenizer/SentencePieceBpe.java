package dev.llmaccel.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece's BPE with scores (GGUF {@code tokenizer.ggml.model = "llama"}, llama2.c's
 * tokenizer.bin): spaces become U+2581, a space is put in front of the text, and adjacent pieces
 * are merged while their concatenation is a token, best score first. Characters no token covers
 * fall back to their UTF-8 bytes as {@code <0xNN>} tokens.
 */
final class SentencePieceBpe extends VocabularyTokenizer {
    private static final char SPACE_MARK = '\u2581';

    private final boolean addSpacePrefix;
    private final int[] byteIds = new int[256];

    /** @param addSpacePrefix puts a space before the text and after each special token (SentencePiece's "dummy prefix") */
    SentencePieceBpe(Vocabulary vocabulary, SpecialTokens special, boolean addSpacePrefix) {
        super(vocabulary, special);
        this.addSpacePrefix = addSpacePrefix;
        for (int b = 0; b < 256; b++) {
            int id = vocabulary.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = vocabulary.id(String.valueOf((char) b));   // vocabularies without byte tokens may still have the character
            }
            byteIds[b] = id;
        }
    }

    @Override
    void encodeText(String text, boolean atStart, IdBuffer out) {
        String escaped = (addSpacePrefix && atStart ? " " + text : text).replace(' ', SPACE_MARK);
        if (escaped.isEmpty()) {
            return;
        }
        Symbols symbols = Symbols.ofCodePoints(escaped);
        PriorityQueue<Bigram> queue = new PriorityQueue<>();
        for (int i = 1; i < symbols.count; i++) {
            offerBigram(escaped, symbols, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left();
            int right = bigram.right();
            // Skip a pair of which one side has merged with something else since it was queued.
            if (symbols.length[left] == 0 || symbols.length[right] == 0
                    || symbols.length[left] + symbols.length[right] != bigram.length()) {
                continue;
            }
            symbols.mergeWithNext(left);
            offerBigram(escaped, symbols, symbols.prev[left], left, queue);
            offerBigram(escaped, symbols, left, symbols.next[left], queue);
        }
        for (int i = 0; i != -1; i = symbols.next[i]) {
            emit(escaped.substring(symbols.start[i], symbols.start[i] + symbols.length[i]), out);
        }
    }

    private void offerBigram(String text, Symbols symbols, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) {
            return;
        }
        int length = symbols.length[left] + symbols.length[right];
        int id = pieceId(text.substring(symbols.start[left], symbols.start[left] + length));
        if (id >= 0) {
            queue.add(new Bigram(left, right, vocabulary.score(id), length));
        }
    }

    private void emit(String piece, IdBuffer out) {
        int id = pieceId(piece);
        if (id >= 0) {
            out.add(id);
            return;
        }
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            int byteId = byteIds[b & 0xFF];
            out.add(byteId >= 0 ? byteId : unknownOrFail("'" + piece + "'"));
        }
    }

    /** The token for a piece of text, if it is one that plain text may produce (not control, byte, ...). */
    private int pieceId(String piece) {
        int id = vocabulary.id(piece);
        if (id < 0) {
            return -1;
        }
        TokenType type = vocabulary.type(id);
        return type == TokenType.NORMAL || type == TokenType.USER_DEFINED || type == TokenType.UNDEFINED ? id : -1;
    }

    @Override
    byte[] pieceBytes(int previousId, int id) {
        String text = vocabulary.text(id);
        switch (vocabulary.type(id)) {
            case NORMAL:
                return text.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            case USER_DEFINED:
                return text.getBytes(StandardCharsets.UTF_8);
            case BYTE:
                int value = byteValue(text);
                return value >= 0 ? new byte[] {(byte) value} : text.getBytes(StandardCharsets.UTF_8);
            default:
                return new byte[0];   // control, unknown, unused and untyped tokens have no text
        }
    }

    /** The byte a {@code <0xNN>} text stands for, -1 for any other text. */
    static int byteValue(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') {
            return -1;
        }
        int high = Character.digit(text.charAt(3), 16);
        int low = Character.digit(text.charAt(4), 16);
        return high >= 0 && low >= 0 ? high * 16 + low : -1;
    }

    @Override
    boolean stripsLeadingSpace() {
        return addSpacePrefix;
    }

    /** A candidate merge: best score first, then leftmost, as SentencePiece orders them. */
    private record Bigram(int left, int right, float score, int length) implements Comparable<Bigram> {
        @Override
        public int compareTo(Bigram o) {
            int byScore = Float.compare(o.score, score);
            return byScore != 0 ? byScore : Integer.compare(left, o.left);
        }
    }
}
