package dev.llmaccel.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a set of code points into sequences of byte ranges whose concatenations are exactly the
 * UTF-8 encodings of its members, so that a grammar over code points can be matched byte by byte
 * (and a token may end in the middle of a character). Surrogates have no UTF-8 form and drop out.
 */
final class Utf8Sequences {
    private Utf8Sequences() {}

    /** Each sequence is lo0, hi0, lo1, hi1, ...: one inclusive byte range per byte of the encoding. */
    static List<int[]> of(CodePointSet set) {
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < set.rangeCount(); r++) {
            int lo = set.lo(r);
            int hi = set.hi(r);
            // no surrogates: split around D800-DFFF
            if (lo < 0xD800) {
                byLength(Math.min(hi, 0xD7FF), lo, out);
            }
            if (hi > 0xDFFF) {
                byLength(hi, Math.max(lo, 0xE000), out);
            }
        }
        return out;
    }

    /** Splits [lo, hi] where the encoded length changes (after U+007F, U+07FF, U+FFFF). */
    private static void byLength(int hi, int lo, List<int[]> out) {
        int[] lastOfLength = {0x7F, 0x7FF, 0xFFFF, CodePointSet.MAX};
        for (int n = 1; n <= 4 && lo <= hi; n++) {
            int top = Math.min(hi, lastOfLength[n - 1]);
            if (lo <= top) {
                split(lo, top, n, out);
                lo = top + 1;
            }
        }
    }

    /**
     * Splits [lo, hi] (all of encoded length n) until each piece's encodings are a cross product of
     * byte ranges: for every number i of trailing continuation bytes, either lo and hi agree above
     * them, or they span those bytes fully (lo's are all 0, hi's all 1).
     */
    private static void split(int lo, int hi, int n, List<int[]> out) {
        for (int i = 1; i < n; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) {
                    split(lo, lo | m, n, out);
                    split((lo | m) + 1, hi, n, out);
                    return;
                }
                if ((hi & m) != m) {
                    split(lo, (hi & ~m) - 1, n, out);
                    split(hi & ~m, hi, n, out);
                    return;
                }
            }
        }
        byte[] a = encode(lo, n);
        byte[] b = encode(hi, n);
        int[] seq = new int[2 * n];
        for (int k = 0; k < n; k++) {
            seq[2 * k] = a[k] & 0xFF;
            seq[2 * k + 1] = b[k] & 0xFF;
        }
        out.add(seq);
    }

    private static byte[] encode(int cp, int n) {
        switch (n) {
            case 1:
                return new byte[] {(byte) cp};
            case 2:
                return new byte[] {(byte) (0xC0 | cp >> 6), (byte) (0x80 | cp & 0x3F)};
            case 3:
                return new byte[] {(byte) (0xE0 | cp >> 12), (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
            default:
                return new byte[] {(byte) (0xF0 | cp >> 18), (byte) (0x80 | cp >> 12 & 0x3F),
                        (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
        }
    }
}
