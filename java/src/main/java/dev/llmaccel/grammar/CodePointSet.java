package dev.llmaccel.grammar;

import java.util.Arrays;

/**
 * An immutable set of Unicode code points as sorted, disjoint, non-adjacent inclusive ranges:
 * the characters one element of a grammar matches.
 */
final class CodePointSet {
    static final int MAX = 0x10FFFF;
    static final CodePointSet EMPTY = new CodePointSet(new int[0]);
    static final CodePointSet ALL = range(0, MAX);

    /** lo0, hi0, lo1, hi1, ...: sorted, disjoint, with gaps between them. */
    private final int[] ranges;

    private CodePointSet(int[] ranges) {
        this.ranges = ranges;
    }

    static CodePointSet of(int codePoint) {
        return range(codePoint, codePoint);
    }

    static CodePointSet range(int lo, int hi) {
        if (lo < 0 || hi > MAX || lo > hi) {
            throw new IllegalArgumentException("bad range " + lo + ".." + hi);
        }
        return new CodePointSet(new int[] {lo, hi});
    }

    /** The union of inclusive ranges given as lo, hi pairs in any order, overlapping or not. */
    static CodePointSet ofRanges(int... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("ranges come in pairs");
        }
        long[] sorted = new long[pairs.length / 2];
        for (int i = 0; i < sorted.length; i++) {
            int lo = pairs[2 * i];
            int hi = pairs[2 * i + 1];
            if (lo < 0 || hi > MAX || lo > hi) {
                throw new IllegalArgumentException("bad range " + lo + ".." + hi);
            }
            sorted[i] = ((long) lo << 32) | hi;
        }
        Arrays.sort(sorted);
        int[] out = new int[pairs.length];
        int n = 0;
        for (long r : sorted) {
            int lo = (int) (r >>> 32);
            int hi = (int) r;
            if (n > 0 && lo <= out[n - 1] + 1) {
                out[n - 1] = Math.max(out[n - 1], hi);
            } else {
                out[n++] = lo;
                out[n++] = hi;
            }
        }
        return new CodePointSet(Arrays.copyOf(out, n));
    }

    CodePointSet union(CodePointSet other) {
        int[] both = Arrays.copyOf(ranges, ranges.length + other.ranges.length);
        System.arraycopy(other.ranges, 0, both, ranges.length, other.ranges.length);
        return ofRanges(both);
    }

    /** Every code point from 0 to U+10FFFF not in this set. */
    CodePointSet complement() {
        int[] out = new int[ranges.length + 2];
        int n = 0;
        int next = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > next) {
                out[n++] = next;
                out[n++] = ranges[i] - 1;
            }
            next = ranges[i + 1] + 1;
        }
        if (next <= MAX) {
            out[n++] = next;
            out[n++] = MAX;
        }
        return new CodePointSet(Arrays.copyOf(out, n));
    }

    CodePointSet minus(CodePointSet other) {
        return complement().union(other).complement();
    }

    CodePointSet intersect(CodePointSet other) {
        return complement().union(other.complement()).complement();
    }

    boolean contains(int codePoint) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (codePoint < ranges[i]) {
                return false;
            }
            if (codePoint <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    boolean isEmpty() {
        return ranges.length == 0;
    }

    /** Number of ranges. */
    int rangeCount() {
        return ranges.length / 2;
    }

    int lo(int range) {
        return ranges[2 * range];
    }

    int hi(int range) {
        return ranges[2 * range + 1];
    }

    /** Whether every member is below 0x80 (one UTF-8 byte each). */
    boolean isAscii() {
        return ranges.length == 0 || ranges[ranges.length - 1] < 0x80;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodePointSet s && Arrays.equals(ranges, s.ranges);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ranges);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < ranges.length; i += 2) {
            s.append(String.format("U+%04X", ranges[i]));
            if (ranges[i + 1] != ranges[i]) {
                s.append(String.format("-U+%04X", ranges[i + 1]));
            }
            if (i + 2 < ranges.length) {
                s.append(' ');
            }
        }
        return s.append(']').toString();
    }
}
