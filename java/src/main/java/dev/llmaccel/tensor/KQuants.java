package dev.llmaccel.tensor;

import static dev.llmaccel.tensor.Codec.floatToHalf;
import static dev.llmaccel.tensor.Codec.getShort;
import static dev.llmaccel.tensor.Codec.halfToFloat;
import static dev.llmaccel.tensor.Codec.putShort;

/**
 * Encoding and decoding of the 256-element K-quant super-blocks (Q4_K, Q5_K, Q6_K) in the GGUF
 * layouts.
 *
 * <p>Decoding follows the GGUF definition operation by operation (same products, same order), so
 * it is bit-exact with every conforming reader. Encoding is a simple search: each sub-block gets
 * the scale (and minimum) with the least squared error over a small grid of candidate steps, then
 * the scales themselves are quantized against the super-block's f16 scale and every value is
 * rounded again with the scale it will be decoded with. The native quantizer
 * ({@code native/src/cpu/quant.cpp}) performs the same float operations in the same order and
 * produces the same bytes.
 *
 * <p>Layouts (little-endian):
 * <ul>
 *   <li>Q4_K, 144 bytes: f16 d, f16 dmin, 12 bytes of 6-bit scales and minimums, 128 bytes of
 *       nibbles. Value = d·sc·q − dmin·m for 8 sub-blocks of 32.
 *   <li>Q5_K, 176 bytes: as Q4_K plus 32 bytes holding the fifth bit of each value.
 *   <li>Q6_K, 210 bytes: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 signed 8-bit
 *       scales, f16 d. Value = d·sc·(q − 32) for 16 sub-blocks of 16.
 * </ul>
 */
final class KQuants {
    private KQuants() {}

    /** Elements per super-block. */
    static final int QK = 256;

    /** Candidate steps tried per sub-block: nmax + STEP_DELTA·s for s in [-STEP_TRIES, STEP_TRIES]. */
    private static final int STEP_TRIES = 10;
    private static final float STEP_DELTA = 0.1f;

    // ---- rounding ---------------------------------------------------------------------------------

    /** v rounded to the nearest integer (ties to even), clamped to [lo, hi]; NaN gives lo. */
    static int roundClamp(float v, int lo, int hi) {
        if (!(v >= lo)) {
            return lo;
        }
        if (v >= hi) {
            return hi;
        }
        return (int) Math.rint(v);
    }

    // ---- Q4_K / Q5_K: 8 sub-blocks of 32 with 6-bit scales and minimums -----------------------------

    /** Scale index j (0..7) of the 12-byte packed scales at o. */
    static int scaleK4(byte[] s, int o, int j) {
        if (j < 4) {
            return s[o + j] & 63;
        }
        return (s[o + j + 4] & 0xf) | (((s[o + j - 4] & 0xff) >>> 6) << 4);
    }

    /** Minimum index j (0..7) of the 12-byte packed scales at o. */
    static int minK4(byte[] s, int o, int j) {
        if (j < 4) {
            return s[o + j + 4] & 63;
        }
        return ((s[o + j + 4] & 0xff) >>> 4) | (((s[o + j] & 0xff) >>> 6) << 4);
    }

    private static void packScalesK4(int[] sc, int[] mn, byte[] out, int o) {
        for (int j = 0; j < 12; j++) {
            out[o + j] = 0;
        }
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                out[o + j] |= (byte) sc[j];
                out[o + j + 4] |= (byte) mn[j];
            } else {
                out[o + j + 4] = (byte) ((sc[j] & 0xf) | ((mn[j] & 0xf) << 4));
                out[o + j - 4] |= (byte) ((sc[j] >>> 4) << 6);
                out[o + j] |= (byte) ((mn[j] >>> 4) << 6);
            }
        }
    }

    /**
     * Fits x[xo .. xo+32) ≈ scale·q − min with q in [0, nmax] and min ≥ 0: tries a grid of steps,
     * refits scale and min by least squares for each, keeps the least squared error.
     * Returns {scale, min}; q is not kept (the values are quantized again later).
     */
    static float[] fitScaleMin(float[] x, int xo, int nmax) {
        final int n = 32;
        float lo = 0;
        float hi = x[xo];
        for (int i = 0; i < n; i++) {
            lo = Math.min(lo, x[xo + i]);
            hi = Math.max(hi, x[xo + i]);
        }
        if (!(hi > lo)) {
            return new float[] {0f, -lo};
        }
        float bestScale = 0;
        float bestMin = -lo;
        float bestErr = Float.POSITIVE_INFINITY;
        int[] q = new int[n];
        for (int s = -STEP_TRIES; s <= STEP_TRIES; s++) {
            float iscale = (nmax + STEP_DELTA * s) / (hi - lo);
            float sumQ = 0;
            float sumQ2 = 0;
            float sumX = 0;
            float sumXQ = 0;
            for (int i = 0; i < n; i++) {
                q[i] = roundClamp((x[xo + i] - lo) * iscale, 0, nmax);
                sumQ += q[i];
                sumQ2 += q[i] * q[i];
                sumX += x[xo + i];
                sumXQ += x[xo + i] * q[i];
            }
            float det = n * sumQ2 - sumQ * sumQ;
            float scale = 0;
            float offset = 1;
            if (det > 0) {
                scale = (n * sumXQ - sumX * sumQ) / det;
                offset = (sumQ2 * sumX - sumQ * sumXQ) / det;
            }
            if (offset > 0 && sumQ2 > 0) {  // the format's offset is −dmin·m, never positive: fit through 0
                offset = 0;
                scale = sumXQ / sumQ2;
            }
            if (!(scale > 0)) {
                continue;
            }
            float err = 0;
            for (int i = 0; i < n; i++) {
                float diff = scale * q[i] + offset - x[xo + i];
                err += diff * diff;
            }
            if (err < bestErr) {
                bestErr = err;
                bestScale = scale;
                bestMin = -offset;
            }
        }
        return new float[] {bestScale, bestMin};
    }

    /**
     * Quantizes the sub-block scales and minimums of a Q4_K/Q5_K super-block to 6 bits, writes
     * d, dmin and the packed scales at o, and quantizes the 256 values to q[] in [0, nmax].
     */
    private static void encodeScaledK4(float[] x, int xo, int nmax, byte[] out, int o, int[] q) {
        float[] scales = new float[8];
        float[] mins = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float[] fit = fitScaleMin(x, xo + 32 * j, nmax);
            scales[j] = fit[0];
            mins[j] = fit[1];
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        short dBits = floatToHalf(maxScale / 63f);
        short dminBits = floatToHalf(maxMin / 63f);
        float d = halfToFloat(dBits);
        float dmin = halfToFloat(dminBits);
        int[] sc = new int[8];
        int[] mn = new int[8];
        for (int j = 0; j < 8; j++) {
            // The 6-bit scale and minimum on either side of the fitted ones: rounding the minimum
            // down would clip the lowest values, rounding the scale down the highest.
            int sc0 = d > 0 ? roundClamp((float) Math.floor(scales[j] / d), 0, 63) : 0;
            int mn0 = dmin > 0 ? roundClamp((float) Math.floor(mins[j] / dmin), 0, 63) : 0;
            float bestErr = Float.POSITIVE_INFINITY;
            for (int ds = 0; ds <= 1; ds++) {
                for (int dm = 0; dm <= 1; dm++) {
                    int s = Math.min(63, sc0 + ds);
                    int m = Math.min(63, mn0 + dm);
                    float err = quantizeSubBlock(x, xo + 32 * j, d * s, dmin * m, nmax, q, 32 * j);
                    if (err < bestErr) {
                        bestErr = err;
                        sc[j] = s;
                        mn[j] = m;
                    }
                }
            }
            quantizeSubBlock(x, xo + 32 * j, d * sc[j], dmin * mn[j], nmax, q, 32 * j);
        }
        putShort(out, o, dBits);
        putShort(out, o + 2, dminBits);
        packScalesK4(sc, mn, out, o + 4);
    }

    /**
     * Quantizes 32 values to q[qo..] in [0, nmax] for value = step·q − min; returns the squared
     * error of the decoded values.
     */
    private static float quantizeSubBlock(float[] x, int xo, float step, float min, int nmax, int[] q, int qo) {
        float err = 0;
        for (int i = 0; i < 32; i++) {
            q[qo + i] = step > 0 ? roundClamp((x[xo + i] + min) / step, 0, nmax) : 0;
            float diff = step * q[qo + i] - min - x[xo + i];
            err += diff * diff;
        }
        return err;
    }

    static void encodeQ4K(float[] x, int xo, byte[] out, int o) {
        int[] q = new int[QK];
        encodeScaledK4(x, xo, 15, out, o, q);
        // chunk c of 64 values: byte 32c + l holds value 64c + l (low nibble) and 64c + 32 + l (high)
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                out[o + 16 + 32 * c + l] = (byte) (q[64 * c + l] | (q[64 * c + 32 + l] << 4));
            }
        }
    }

    static void decodeQ4K(byte[] in, int o, float[] y, int yo) {
        decodeK4(in, o, y, yo, false);
    }

    /**
     * Q4_K (nibbles at 16) or Q5_K (fifth bits at 16, nibbles at 48): value = d1·q − m1 for the
     * low nibbles (sub-block 2c) and d2·q − m2 for the high ones (sub-block 2c + 1) of chunk c.
     */
    private static void decodeK4(byte[] in, int o, float[] y, int yo, boolean fifthBit) {
        float d = halfToFloat(getShort(in, o));
        float dmin = halfToFloat(getShort(in, o + 2));
        int nibbles = o + (fifthBit ? 48 : 16);
        for (int c = 0; c < 4; c++) {
            float d1 = d * scaleK4(in, o + 4, 2 * c);
            float m1 = dmin * minK4(in, o + 4, 2 * c);
            float d2 = d * scaleK4(in, o + 4, 2 * c + 1);
            float m2 = dmin * minK4(in, o + 4, 2 * c + 1);
            for (int l = 0; l < 32; l++) {
                int b = in[nibbles + 32 * c + l] & 0xff;
                int h = fifthBit ? in[o + 16 + l] & 0xff : 0;
                int lo = (b & 0xf) + (((h >>> (2 * c)) & 1) << 4);
                int hi = (b >>> 4) + (((h >>> (2 * c + 1)) & 1) << 4);
                y[yo + 64 * c + l] = d1 * lo - m1;
                y[yo + 64 * c + 32 + l] = d2 * hi - m2;
            }
        }
    }

    static void encodeQ5K(float[] x, int xo, byte[] out, int o) {
        int[] q = new int[QK];
        encodeScaledK4(x, xo, 31, out, o, q);
        // qh byte l: bit 2c is the fifth bit of value 64c + l, bit 2c + 1 that of 64c + 32 + l
        for (int l = 0; l < 32; l++) {
            int qh = 0;
            for (int c = 0; c < 4; c++) {
                qh |= (q[64 * c + l] >>> 4) << (2 * c);
                qh |= (q[64 * c + 32 + l] >>> 4) << (2 * c + 1);
            }
            out[o + 16 + l] = (byte) qh;
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                out[o + 48 + 32 * c + l] = (byte) ((q[64 * c + l] & 0xf) | ((q[64 * c + 32 + l] & 0xf) << 4));
            }
        }
    }

    static void decodeQ5K(byte[] in, int o, float[] y, int yo) {
        decodeK4(in, o, y, yo, true);
    }

    // ---- Q6_K: 16 sub-blocks of 16 with signed 8-bit scales ----------------------------------------

    /**
     * Fits x[xo .. xo+16) ≈ scale·q with q in [-32, 31]: tries a grid of steps around the one that
     * maps the value of largest magnitude to −32, refits the scale by least squares, keeps the best.
     */
    static float fitScaleSigned(float[] x, int xo) {
        final int n = 16;
        float amax = 0;
        float max = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        if (!(amax > 0)) {
            return 0f;
        }
        float bestScale = 0;
        float bestErr = Float.POSITIVE_INFINITY;
        int[] q = new int[n];
        for (int s = -STEP_TRIES; s <= STEP_TRIES; s++) {
            float iscale = -(32 + STEP_DELTA * s) / max;
            float sumXQ = 0;
            float sumQ2 = 0;
            for (int i = 0; i < n; i++) {
                q[i] = roundClamp(x[xo + i] * iscale, -32, 31);
                sumXQ += x[xo + i] * q[i];
                sumQ2 += q[i] * q[i];
            }
            if (!(sumQ2 > 0)) {
                continue;
            }
            float scale = sumXQ / sumQ2;
            float err = 0;
            for (int i = 0; i < n; i++) {
                float diff = scale * q[i] - x[xo + i];
                err += diff * diff;
            }
            if (err < bestErr) {
                bestErr = err;
                bestScale = scale;
            }
        }
        return bestScale;
    }

    static void encodeQ6K(float[] x, int xo, byte[] out, int o) {
        float[] scales = new float[16];
        float maxScale = 0;
        float maxAbs = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = fitScaleSigned(x, xo + 16 * j);
            if (Math.abs(scales[j]) > maxAbs) {
                maxAbs = Math.abs(scales[j]);
                maxScale = scales[j];
            }
        }
        // The scale of largest magnitude maps to -128, the one int8 value without a positive twin.
        short dBits = floatToHalf(maxScale / -128f);
        float d = halfToFloat(dBits);
        int[] sc = new int[16];
        int[] q = new int[QK];
        for (int j = 0; j < 16; j++) {
            // the 8-bit scales on either side of the fitted one; keep the one with less error
            int sc0 = d != 0 ? roundClamp((float) Math.floor(scales[j] / d), -128, 127) : 0;
            float bestErr = Float.POSITIVE_INFINITY;
            for (int ds = 0; ds <= 1; ds++) {
                int s = Math.min(127, sc0 + ds);
                float err = quantizeSigned(x, xo + 16 * j, d * s, q, 16 * j);
                if (err < bestErr) {
                    bestErr = err;
                    sc[j] = s;
                }
            }
            quantizeSigned(x, xo + 16 * j, d * sc[j], q, 16 * j);
        }
        // half h of 128 values: ql[64h + l] = value l (low) | value l + 64 (high nibble),
        // ql[64h + 32 + l] = value l + 32 | value l + 96; qh[32h + l] holds their top two bits.
        for (int h = 0; h < 2; h++) {
            int base = 128 * h;
            for (int l = 0; l < 32; l++) {
                int q1 = q[base + l];
                int q2 = q[base + l + 32];
                int q3 = q[base + l + 64];
                int q4 = q[base + l + 96];
                out[o + 64 * h + l] = (byte) ((q1 & 0xf) | ((q3 & 0xf) << 4));
                out[o + 64 * h + 32 + l] = (byte) ((q2 & 0xf) | ((q4 & 0xf) << 4));
                out[o + 128 + 32 * h + l] = (byte) ((q1 >>> 4) | ((q2 >>> 4) << 2) | ((q3 >>> 4) << 4) | ((q4 >>> 4) << 6));
            }
        }
        for (int j = 0; j < 16; j++) {
            out[o + 192 + j] = (byte) sc[j];
        }
        putShort(out, o + 208, dBits);
    }

    /**
     * Quantizes 16 values to q[qo..] in [0, 63] for value = step·(q − 32); returns the squared
     * error of the decoded values.
     */
    private static float quantizeSigned(float[] x, int xo, float step, int[] q, int qo) {
        float err = 0;
        for (int i = 0; i < 16; i++) {
            int v = step != 0 ? roundClamp(x[xo + i] / step, -32, 31) : 0;
            q[qo + i] = v + 32;
            float diff = step * v - x[xo + i];
            err += diff * diff;
        }
        return err;
    }

    static void decodeQ6K(byte[] in, int o, float[] y, int yo) {
        float d = halfToFloat(getShort(in, o + 208));
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int is = 8 * h + l / 16;
                int lo = in[o + 64 * h + l] & 0xff;
                int hi = in[o + 64 * h + 32 + l] & 0xff;
                int qh = in[o + 128 + 32 * h + l] & 0xff;
                int q1 = ((lo & 0xf) | ((qh & 3) << 4)) - 32;
                int q2 = ((hi & 0xf) | (((qh >>> 2) & 3) << 4)) - 32;
                int q3 = ((lo >>> 4) | (((qh >>> 4) & 3) << 4)) - 32;
                int q4 = ((hi >>> 4) | (((qh >>> 6) & 3) << 4)) - 32;
                y[yo + 128 * h + l] = d * in[o + 192 + is] * q1;
                y[yo + 128 * h + l + 32] = d * in[o + 192 + is + 2] * q2;
                y[yo + 128 * h + l + 64] = d * in[o + 192 + is + 4] * q3;
                y[yo + 128 * h + l + 96] = d * in[o + 192 + is + 6] * q4;
            }
        }
    }
}
