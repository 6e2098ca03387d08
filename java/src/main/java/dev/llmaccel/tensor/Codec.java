package dev.llmaccel.tensor;

/**
 * Plain-Java conversion between float values and the byte layout of every {@link DType}: the
 * definition that native kernels are tested against. Each DType row names its block codec (here
 * and in {@link KQuants}); this class runs them block by block. Quantizers follow the rounding of
 * the GGUF reference implementation, so that tensors quantized here match files quantized elsewhere.
 *
 * <p>Bytes are little-endian. Counts must be multiples of the type's block size.
 */
public final class Codec {
    private Codec() {}

    /** Converts count floats from src[srcOff..] into dst[dstOff..] in the layout of type. */
    public static void encode(DType type, float[] src, int srcOff, int count, byte[] dst, int dstOff) {
        checkBlocks(type, count);
        for (int b = 0; b < count / type.blockSize(); b++) {
            type.encoder.encode(src, srcOff + b * type.blockSize(), dst, dstOff + b * type.blockBytes());
        }
    }

    /** Converts count values of type from src[srcOff..] into floats at dst[dstOff..]. */
    public static void decode(DType type, byte[] src, int srcOff, float[] dst, int dstOff, int count) {
        checkBlocks(type, count);
        for (int b = 0; b < count / type.blockSize(); b++) {
            type.decoder.decode(src, srcOff + b * type.blockBytes(), dst, dstOff + b * type.blockSize());
        }
    }

    /** Encodes a whole array. */
    public static byte[] encode(DType type, float[] src) {
        byte[] out = new byte[Math.toIntExact(type.bytesFor(src.length))];
        encode(type, src, 0, src.length, out, 0);
        return out;
    }

    /** Decodes a whole array of count values. */
    public static float[] decode(DType type, byte[] src, int count) {
        checkBlocks(type, count);
        float[] out = new float[count];
        decode(type, src, 0, out, 0, count);
        return out;
    }

    // ---- one block of each type: the codecs of DType's rows ---------------------------------------

    /** Encodes one block of a type: its block size of floats from x[xo..] into its block bytes at out[o..]. */
    interface BlockEncoder {
        void encode(float[] x, int xo, byte[] out, int o);
    }

    /** Decodes one block of a type: its block bytes at in[o..] into its block size of floats at y[yo..]. */
    interface BlockDecoder {
        void decode(byte[] in, int o, float[] y, int yo);
    }

    static void encodeF32(float[] x, int xo, byte[] out, int o) {
        putInt(out, o, Float.floatToRawIntBits(x[xo]));
    }

    static void decodeF32(byte[] in, int o, float[] y, int yo) {
        y[yo] = Float.intBitsToFloat(getInt(in, o));
    }

    static void encodeF16(float[] x, int xo, byte[] out, int o) {
        putShort(out, o, floatToHalf(x[xo]));
    }

    static void decodeF16(byte[] in, int o, float[] y, int yo) {
        y[yo] = halfToFloat(getShort(in, o));
    }

    static void encodeBF16(float[] x, int xo, byte[] out, int o) {
        putShort(out, o, floatToBf16(x[xo]));
    }

    static void decodeBF16(byte[] in, int o, float[] y, int yo) {
        y[yo] = bf16ToFloat(getShort(in, o));
    }

    // ---- 16-bit floats ---------------------------------------------------------------------------

    /** IEEE binary16 bits to float, exact. */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** float to IEEE binary16 bits, round to nearest even; overflow gives inf, NaN stays NaN. */
    public static short floatToHalf(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int abs = x & 0x7fffffff;
        if (abs > 0x7f800000) {
            return (short) (sign | 0x7e00);
        }
        if (abs >= 0x477ff000) {
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x38800000) {
            // subnormal or zero: the mantissa is value / 2^-24, rounded to nearest even
            return (short) (sign | (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f));
        }
        int mant = abs & 0x7fffff;
        int exp = (abs >>> 23) - 112;
        int h = (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) {
            h++;
        }
        return (short) (sign | h);
    }

    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** float to bfloat16 bits, round to nearest even; NaN stays NaN. */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7fffffff) > 0x7f800000) {
            return (short) ((x >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((x >>> 16) & 1);
        return (short) ((x + rounding) >>> 16);
    }

    /** Rounds half away from zero, as C's roundf. */
    static int roundHalfAway(float v) {
        return (int) (v >= 0 ? Math.floor(v + 0.5) : -Math.floor(-v + 0.5));
    }

    // ---- 32-element blocks -----------------------------------------------------------------------

    static void encodeQ8_0(float[] x, int xo, byte[] out, int o) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        putShort(out, o, floatToHalf(d));
        for (int j = 0; j < 32; j++) {
            out[o + 2 + j] = (byte) roundHalfAway(x[xo + j] * id);
        }
    }

    static void decodeQ8_0(byte[] in, int o, float[] y, int yo) {
        float d = halfToFloat(getShort(in, o));
        for (int j = 0; j < 32; j++) {
            y[yo + j] = in[o + 2 + j] * d;
        }
    }

    /** The value of largest magnitude, with its sign. */
    private static float signedAbsMax(float[] x, int xo) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    static void encodeQ4_0(float[] x, int xo, byte[] out, int o) {
        float d = signedAbsMax(x, xo) / -8f;
        float id = d != 0 ? 1f / d : 0f;
        putShort(out, o, floatToHalf(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (byte) (int) (x[xo + j] * id + 8.5f));
            int hi = Math.min(15, (int) (byte) (int) (x[xo + 16 + j] * id + 8.5f));
            out[o + 2 + j] = (byte) (lo | (hi << 4));
        }
    }

    static void decodeQ4_0(byte[] in, int o, float[] y, int yo) {
        float d = halfToFloat(getShort(in, o));
        for (int j = 0; j < 16; j++) {
            int q = in[o + 2 + j] & 0xff;
            y[yo + j] = ((q & 0xf) - 8) * d;
            y[yo + 16 + j] = ((q >>> 4) - 8) * d;
        }
    }

    static void encodeQ4_1(float[] x, int xo, byte[] out, int o) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[xo + j]);
            max = Math.max(max, x[xo + j]);
        }
        float d = (max - min) / 15f;
        float id = d != 0 ? 1f / d : 0f;
        putShort(out, o, floatToHalf(d));
        putShort(out, o + 2, floatToHalf(min));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (byte) (int) ((x[xo + j] - min) * id + 0.5f));
            int hi = Math.min(15, (int) (byte) (int) ((x[xo + 16 + j] - min) * id + 0.5f));
            out[o + 4 + j] = (byte) (lo | (hi << 4));
        }
    }

    static void decodeQ4_1(byte[] in, int o, float[] y, int yo) {
        float d = halfToFloat(getShort(in, o));
        float m = halfToFloat(getShort(in, o + 2));
        for (int j = 0; j < 16; j++) {
            int q = in[o + 4 + j] & 0xff;
            y[yo + j] = (q & 0xf) * d + m;
            y[yo + 16 + j] = (q >>> 4) * d + m;
        }
    }

    static void encodeQ5_0(float[] x, int xo, byte[] out, int o) {
        float d = signedAbsMax(x, xo) / -16f;
        float id = d != 0 ? 1f / d : 0f;
        putShort(out, o, floatToHalf(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(31, (int) (byte) (int) (x[xo + j] * id + 16.5f));
            int hi = Math.min(31, (int) (byte) (int) (x[xo + 16 + j] * id + 16.5f));
            out[o + 6 + j] = (byte) ((lo & 0xf) | ((hi & 0xf) << 4));
            qh |= ((lo >>> 4) & 1) << j;
            qh |= ((hi >>> 4) & 1) << (j + 16);
        }
        putInt(out, o + 2, qh);
    }

    static void decodeQ5_0(byte[] in, int o, float[] y, int yo) {
        float d = halfToFloat(getShort(in, o));
        int qh = getInt(in, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = in[o + 6 + j] & 0xff;
            int lo = (q & 0xf) | (((qh >>> j) & 1) << 4);
            int hi = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            y[yo + j] = (lo - 16) * d;
            y[yo + 16 + j] = (hi - 16) * d;
        }
    }

    static void encodeQ5_1(float[] x, int xo, byte[] out, int o) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[xo + j]);
            max = Math.max(max, x[xo + j]);
        }
        float d = (max - min) / 31f;
        float id = d != 0 ? 1f / d : 0f;
        putShort(out, o, floatToHalf(d));
        putShort(out, o + 2, floatToHalf(min));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(31, (int) (byte) (int) ((x[xo + j] - min) * id + 0.5f));
            int hi = Math.min(31, (int) (byte) (int) ((x[xo + 16 + j] - min) * id + 0.5f));
            out[o + 8 + j] = (byte) ((lo & 0xf) | ((hi & 0xf) << 4));
            qh |= ((lo >>> 4) & 1) << j;
            qh |= ((hi >>> 4) & 1) << (j + 16);
        }
        putInt(out, o + 4, qh);
    }

    static void decodeQ5_1(byte[] in, int o, float[] y, int yo) {
        float d = halfToFloat(getShort(in, o));
        float m = halfToFloat(getShort(in, o + 2));
        int qh = getInt(in, o + 4);
        for (int j = 0; j < 16; j++) {
            int q = in[o + 8 + j] & 0xff;
            int lo = (q & 0xf) | (((qh >>> j) & 1) << 4);
            int hi = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            y[yo + j] = lo * d + m;
            y[yo + 16 + j] = hi * d + m;
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static void checkBlocks(DType type, int count) {
        if (count < 0 || count % type.blockSize() != 0) {
            throw new IllegalArgumentException(
                    type + " needs a multiple of " + type.blockSize() + " values, got " + count);
        }
    }

    static short getShort(byte[] b, int o) {
        return (short) ((b[o] & 0xff) | (b[o + 1] << 8));
    }

    static int getInt(byte[] b, int o) {
        return (b[o] & 0xff) | ((b[o + 1] & 0xff) << 8) | ((b[o + 2] & 0xff) << 16) | (b[o + 3] << 24);
    }

    static void putShort(byte[] b, int o, short v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
    }

    static void putInt(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }
}
