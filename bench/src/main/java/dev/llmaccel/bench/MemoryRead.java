package dev.llmaccel.bench;

/** Reading memory as fast as Java can: the kernel of the read-bandwidth rooflines. */
final class MemoryRead {
    private MemoryRead() {}

    /** Sums a[from, to) with four independent chains, so the loads, not the adds, limit it. */
    static long sum(long[] a, int from, int to) {
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < to; i++) {
            s0 += a[i];
        }
        return s0 + s1 + s2 + s3;
    }
}
