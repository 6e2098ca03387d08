package dev.llmaccel.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded vocabularies of any size shaped like the byte-level BPE ones of Llama 3 (128k) and
 * Qwen 2 (150k), for grammar-masking benchmarks where no real file of that size is at hand: the
 * 256 single bytes, then distinct pieces, about 55% latin words (often with a leading space,
 * sometimes capitalised), 12% punctuation and whitespace runs, 5% numbers of 1 to 3 digits, 20%
 * CJK, Cyrillic and accented pieces, 3% pieces that stop inside a UTF-8 character, 5% pieces
 * mixing letters and punctuation. The last id is the end token.
 */
final class SyntheticVocabulary {
    private static final String LETTERS = "eeeeeeeeeeeettttttttaaaaaaaaooooooiiiiiinnnnnnsssssshhhhhrrrrrddddllllcccuuummwwffggyyppbbvkjxqz";
    private static final String PUNCTUATION = " \n\t{}[]():;,.\"'=+-*/<>_#@!?&|%$\\`~^";

    private SyntheticVocabulary() {}

    /** Token bytes by id; ends holds the end token's id. */
    static List<byte[]> tokens(int size, BitSet ends) {
        SplittableRandom r = new SplittableRandom(size);
        List<byte[]> tokens = new ArrayList<>(size);
        Set<String> seen = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            byte[] t = {(byte) b};
            tokens.add(t);
            seen.add(new String(t, StandardCharsets.ISO_8859_1));
        }
        while (tokens.size() < size - 1) {
            byte[] t = piece(r);
            if (seen.add(new String(t, StandardCharsets.ISO_8859_1))) {
                tokens.add(t);
            }
        }
        ends.set(tokens.size());
        tokens.add(new byte[0]);
        return tokens;
    }

    private static byte[] piece(SplittableRandom r) {
        double kind = r.nextDouble();
        StringBuilder s = new StringBuilder();
        if (kind < 0.55) {
            if (r.nextDouble() < 0.6) {
                s.append(' ');
            }
            int n = 1 + Math.min(11, (int) (-Math.log(1 - r.nextDouble()) * 4));
            for (int i = 0; i < n; i++) {
                s.append(LETTERS.charAt(r.nextInt(LETTERS.length())));
            }
            if (r.nextDouble() < 0.2) {
                s.setCharAt(s.charAt(0) == ' ' && s.length() > 1 ? 1 : 0, Character.toUpperCase(s.charAt(s.charAt(0) == ' ' && s.length() > 1 ? 1 : 0)));
            }
        } else if (kind < 0.67) {
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                s.append(PUNCTUATION.charAt(r.nextInt(PUNCTUATION.length())));
            }
        } else if (kind < 0.72) {
            s.append(r.nextInt(1000));
        } else if (kind < 0.92) {
            int script = r.nextInt(3);
            int n = 1 + r.nextInt(script == 0 ? 3 : 7);
            if (script != 0 && r.nextBoolean()) {
                s.append(' ');
            }
            for (int i = 0; i < n; i++) {
                s.appendCodePoint(switch (script) {
                    case 0 -> 0x4E00 + r.nextInt(0x5000);   // CJK
                    case 1 -> 0x0430 + r.nextInt(32);       // Cyrillic
                    default -> "àáâäçèéêëíîïñóôöúûüß".charAt(r.nextInt(20));
                });
            }
        } else if (kind < 0.95) {
            byte[] cjk = new String(Character.toChars(0x4E00 + r.nextInt(0x5000))).getBytes(StandardCharsets.UTF_8);
            return Arrays.copyOf(cjk, 1 + r.nextInt(2));   // a piece that stops inside a character
        } else {
            s.append(PUNCTUATION.charAt(r.nextInt(PUNCTUATION.length())));
            int n = 1 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                s.append(LETTERS.charAt(r.nextInt(LETTERS.length())));
            }
            s.append(PUNCTUATION.charAt(r.nextInt(PUNCTUATION.length())));
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }
}
