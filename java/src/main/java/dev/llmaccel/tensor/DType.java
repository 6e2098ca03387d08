package dev.llmaccel.tensor;

/**
 * Element types of a {@link Tensor}. Block-quantized types store each row as consecutive blocks
 * in the GGUF layouts; a row's length must be a multiple of {@link #blockSize()}.
 * {@link #ggmlId()} is the type's id in GGUF files and in the native ABI.
 */
public enum DType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    BF16(30, 1, 2),
    /** 32 values: an f16 scale and 32 signed bytes. */
    Q8_0(8, 32, 34),
    /** 32 values: an f16 scale and 32 nibbles stored offset by 8. */
    Q4_0(2, 32, 18),
    /** 32 values: f16 scale, f16 minimum and 32 nibbles. */
    Q4_1(3, 32, 20),
    /** 32 values: an f16 scale and 32 five-bit values stored offset by 16. */
    Q5_0(6, 32, 22),
    /** 32 values: f16 scale, f16 minimum and 32 five-bit values. */
    Q5_1(7, 32, 24),
    /** 256 values in 8 sub-blocks with 6-bit scales and minimums (llama.cpp's "K-quants"). */
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    /** 256 values in 16 sub-blocks of six-bit values with 8-bit scales. */
    Q6_K(14, 256, 210);

    private final int ggmlId;
    private final int blockSize;
    private final int blockBytes;

    DType(int ggmlId, int blockSize, int blockBytes) {
        this.ggmlId = ggmlId;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The type's id in GGUF files and in the native ABI ({@code enum llm_type}). */
    public int ggmlId() {
        return ggmlId;
    }

    /** Elements per block (1 for the plain float types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * Bytes that {@code elements} values of this type occupy.
     *
     * @throws IllegalArgumentException if elements is negative or not a multiple of the block size
     * @throws ArithmeticException if the byte count overflows a long
     */
    public long bytesFor(long elements) {
        if (elements < 0) {
            throw new IllegalArgumentException("negative element count " + elements);
        }
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    this + " stores blocks of " + blockSize + " values; " + elements + " is not a multiple");
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The type with this GGML id, or null when it is none of ours. */
    public static DType fromGgmlId(int id) {
        for (DType t : values()) {
            if (t.ggmlId == id) {
                return t;
            }
        }
        return null;
    }
}
