package dev.llmaccel.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Collects the bytes of decoded tokens and hands out the text whose UTF-8 characters are
 * complete, holding back the start of a character whose remaining bytes are still to come.
 */
final class Utf8StreamDecoder implements TokenDecoder {
    private final VocabularyTokenizer tokenizer;
    private boolean stripLeadingSpace;
    private int previousId = -1;
    private byte[] pending = new byte[16];
    private int pendingLength;

    Utf8StreamDecoder(VocabularyTokenizer tokenizer, boolean stripLeadingSpace) {
        this.tokenizer = tokenizer;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    @Override
    public String next(int id) {
        tokenizer.checkId(id);
        byte[] piece = tokenizer.pieceBytes(previousId, id);
        previousId = id;
        int from = 0;
        if (stripLeadingSpace && piece.length > 0) {
            from = piece[0] == ' ' ? 1 : 0;
            stripLeadingSpace = false;
        }
        append(piece, from);
        return take(completeLength());
    }

    @Override
    public String flush() {
        return take(pendingLength);
    }

    private void append(byte[] piece, int from) {
        int count = piece.length - from;
        if (pendingLength + count > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + count));
        }
        System.arraycopy(piece, from, pending, pendingLength, count);
        pendingLength += count;
    }

    /** Text of the first n pending bytes (malformed bytes become U+FFFD); the rest stays pending. */
    private String take(int n) {
        String text = new String(pending, 0, n, StandardCharsets.UTF_8);
        System.arraycopy(pending, n, pending, 0, pendingLength - n);
        pendingLength -= n;
        return text;
    }

    /**
     * How many pending bytes end on a character boundary: all of them, unless the last lead byte
     * announces more continuation bytes than have arrived.
     */
    private int completeLength() {
        int n = pendingLength;
        for (int back = 1; back <= Math.min(4, n); back++) {
            int b = pending[n - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue;   // a continuation byte: its lead byte is further back
            }
            int length = b >= 0xF8 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return back < length ? n - back : n;
        }
        return n;
    }
}
