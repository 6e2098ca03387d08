package dev.llmaccel.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's reversible mapping between bytes and printable characters: byte-level BPE vocabularies
 * spell every byte as one character, the printable Latin-1 ones as themselves and the rest
 * (control characters, space, ...) as U+0100 onwards, so a space is 'Ġ' (U+0120).
 */
final class ByteToUnicode {
    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[0x100 + 256];

    static {
        Arrays.fill(BYTE_OF_CHAR, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (0x100 + shifted++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteToUnicode() {}

    /** The character that spells byte b (0..255). */
    static char charOf(int b) {
        return CHAR_OF_BYTE[b];
    }

    /** The UTF-8 bytes of text, each spelled as its character. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = CHAR_OF_BYTE[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /**
     * The bytes a vocabulary entry spells; a character outside the mapping (a malformed entry)
     * stands for its own UTF-8 bytes.
     */
    static byte[] decode(String token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            int b = cp < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[cp] : -1;
            if (b >= 0) {
                out.write(b);
            } else {
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
            }
            i += Character.charCount(cp);
        }
        return out.toByteArray();
    }
}
