package dev.llmaccel.tensor;

/**
 * Element types of a {@link Tensor}: the one table of the weight types llmaccel computes with.
 * Each row holds the type's GGML id, its block layout and its codec (the plain-Java conversion
 * that {@link Codec} runs and native kernels are tested against); {@code GgmlType} takes the rows
 * it shares with GGUF from here, and a test checks the native library's {@code enum llm_type} and
 * block layouts against it. Adding a weight type is one row here (plus its native traits and
 * kernels).
 *
 * <p>Block-quantized types store each row as consecutive blocks in the GGUF layouts; a row's
 * length must be a multiple of {@link #blockSize()}.
 */
public enum DType {
    F32(0, 1, 4, Codec::encodeF32, Codec::decodeF32),
    F16(1, 1, 2, Codec::encodeF16, Codec::decodeF16),
    BF16(30, 1, 2, Codec::encodeBF16, Codec::decodeBF16),
    /** 32 values: an f16 scale and 32 signed bytes. */
    Q8_0(8, 32, 34, Codec::encodeQ8_0, Codec::decodeQ8_0),
    /** 32 values: an f16 scale and 32 nibbles stored offset by 8. */
    Q4_0(2, 32, 18, Codec::encodeQ4_0, Codec::decodeQ4_0),
    /** 32 values: f16 scale, f16 minimum and 32 nibbles. */
    Q4_1(3, 32, 20, Codec::encodeQ4_1, Codec::decodeQ4_1),
    /** 32 values: an f16 scale and 32 five-bit values stored offset by 16. */
    Q5_0(6, 32, 22, Codec::encodeQ5_0, Codec::decodeQ5_0),
    /** 32 values: f16 scale, f16 minimum and 32 five-bit values. */
    Q5_1(7, 32, 24, Codec::encodeQ5_1, Codec::decodeQ5_1),
    /** 256 values in 8 sub-blocks with 6-bit scales and minimums (llama.cpp's "K-quants"). */
    Q4_K(12, 256, 144, KQuants::encodeQ4K, KQuants::decodeQ4K),
    /** As Q4_K with a fifth bit per value. */
    Q5_K(13, 256, 176, KQuants::encodeQ5K, KQuants::decodeQ5K),
    /** 256 values in 16 sub-blocks of six-bit values with 8-bit scales. */
    Q6_K(14, 256, 210, KQuants::encodeQ6K, KQuants::decodeQ6K);

    private final int ggmlId;
    private final int blockSize;
    private final int blockBytes;
    final Codec.BlockEncoder encoder;
    final Codec.BlockDecoder decoder;

    DType(int ggmlId, int blockSize, int blockBytes, Codec.BlockEncoder encoder, Codec.BlockDecoder decoder) {
        this.ggmlId = ggmlId;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.encoder = encoder;
        this.decoder = decoder;
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
