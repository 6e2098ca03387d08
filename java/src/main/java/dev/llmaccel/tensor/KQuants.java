package dev.llmaccel.tensor;

/** Encoding and decoding of the 256-element K-quant super-blocks (Q4_K, Q5_K, Q6_K). */
final class KQuants {
    private KQuants() {}

    static void encode(DType type, float[] src, int srcOff, int count, byte[] dst, int dstOff) {
        throw new UnsupportedOperationException(type + " is not supported yet");
    }

    static void decode(DType type, byte[] src, int srcOff, float[] dst, int dstOff, int count) {
        throw new UnsupportedOperationException(type + " is not supported yet");
    }
}
