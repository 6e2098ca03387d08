package dev.llmaccel.format.gguf;

/** The fixed facts of the GGUF layout that both the reader and the writer follow. */
final class GgufLayout {
    /** "GGUF" read as a little-endian int. */
    static final int MAGIC = 0x46554747;
    /** The version the writer produces; the reader accepts 2 and 3 (the same layout, little-endian). */
    static final int VERSION = 3;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int DEFAULT_ALIGNMENT = 32;
    /** Larger alignments are forged or broken files (real ones use 32 or 64); this bounds padding. */
    static final int MAX_ALIGNMENT = 1 << 24;
    /** ggml tensors have at most four dimensions. */
    static final int MAX_DIMS = 4;
    /** ggml keeps tensor names in 64 bytes including the terminating zero. */
    static final int MAX_NAME_BYTES = 63;
    /** Fewest bytes of one metadata entry: key length, a one-byte key, type id, a one-byte value. */
    static final int MIN_KV_BYTES = 8 + 1 + 4 + 1;
    /** Fewest bytes of one tensor info: name length, empty name, dimension count, type id, offset. */
    static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;

    private GgufLayout() {}

    static boolean isValidAlignment(long alignment) {
        return alignment > 0 && alignment <= MAX_ALIGNMENT && Long.bitCount(alignment) == 1;
    }

    /** Zero bytes that bring position up to a multiple of alignment (a power of two). */
    static long padding(long position, long alignment) {
        return (alignment - (position & (alignment - 1))) & (alignment - 1);
    }

    /** Elements of a tensor with these dimensions; throws ArithmeticException when the count overflows a long. */
    static long elements(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Bytes of a tensor of type t with these dimensions (GGUF order: dims[0] is the row, a multiple
     * of the block size); throws ArithmeticException when the size overflows a long.
     */
    static long bytes(GgmlType t, long[] dims) {
        return Math.multiplyExact(elements(dims) / t.blockSize(), (long) t.blockBytes());
    }

    /** The row-major shape of GGUF dimensions (or back): the order reversed. */
    static long[] reversed(long[] dims) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[dims.length - 1 - i];
        }
        return out;
    }
}
