package dev.llmaccel.tensor;

import static dev.llmaccel.backend.TestData.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmaccel.binding.cpu.CpuKernels;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Java codec against its own bounds and against the native conversions: quantization error
 * within each format's bound (relative RMS error), and native dequantize/quantize giving exactly
 * the floats and bytes of the Java decode/encode.
 */
class CodecTest {

    /**
     * Relative RMS round-trip error allowed per type on normally distributed values. Measured with
     * this test's data (largest over seeds and scales): F16 2.09e-4, BF16 1.68e-3, Q8_0 0.0055,
     * Q4_0 0.0865, Q4_1 0.0783, Q5_0 0.0432, Q5_1 0.0379, Q4_K 0.0703, Q5_K 0.0351, Q6_K 0.0176.
     * The bounds sit about 20% above.
     */
    static double roundTripBound(DType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 2.5e-4;
            case BF16 -> 2e-3;
            case Q8_0 -> 0.0065;
            case Q4_0 -> 0.10;
            case Q4_1 -> 0.094;
            case Q5_0 -> 0.052;
            case Q5_1 -> 0.046;
            case Q4_K -> 0.085;
            case Q5_K -> 0.042;
            case Q6_K -> 0.021;
        };
    }

    /** Normal values whose scale changes by up to 16x from one 32-value group to the next. */
    static float[] ranged(long seed, int n) {
        Random r = new Random(seed);
        double[] groupScales = {1, 0.25, 4, 0.5, 2};
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((r.nextGaussian() + ((i / 32) % 3 == 0 ? 1.5 : 0)) * groupScales[(i / 32) % 5]);
        }
        return x;
    }

    static double relativeRms(float[] actual, float[] expected) {
        double diff = 0;
        double ref = 0;
        for (int i = 0; i < actual.length; i++) {
            if (Float.isNaN(actual[i])) {
                return Double.NaN;
            }
            double d = (double) actual[i] - expected[i];
            diff += d * d;
            ref += (double) expected[i] * expected[i];
        }
        return Math.sqrt(diff / ref);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void roundTripErrorWithinBound(DType type) {
        int n = 256 * 64;
        for (long seed = 1; seed <= 3; seed++) {
            for (double scale : new double[] {1e-3, 1, 300}) {
                float[] x = normal(seed, n, scale);
                float[] back = Codec.decode(type, Codec.encode(type, x), n);
                double err = relativeRms(back, x);
                assertTrue(err <= roundTripBound(type),
                        type + " seed " + seed + " scale " + scale + ": relative RMS error " + err + " > "
                                + roundTripBound(type));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void kQuantsFollowScalesAcrossSubBlocks(DType type) {
        // Each sub-block has its own scale (and minimum): groups 16x smaller than their neighbours
        // in the same super-block keep about the precision they would have alone (measured: at
        // most 1.3x the plain bound, from the 6- or 8-bit scales).
        int n = 256 * 16;
        float[] x = ranged(4, n);
        float[] back = Codec.decode(type, Codec.encode(type, x), n);
        for (int g = 0; g < n / 32; g++) {
            float[] part = Arrays.copyOfRange(x, 32 * g, 32 * g + 32);
            float[] partBack = Arrays.copyOfRange(back, 32 * g, 32 * g + 32);
            double err = relativeRms(partBack, part);
            assertTrue(err <= 1.6 * roundTripBound(type), type + " group " + g + ": relative RMS error " + err);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void specialBlocksDecodeExactly(DType type) {
        int n = type.blockSize() * 4;
        float[] zeros = Codec.decode(type, Codec.encode(type, new float[n]), n);
        for (int i = 0; i < n; i++) {
            assertEquals(0f, zeros[i], 0f, type + " zeros, element " + i);  // -0 allowed
        }
        // a constant block: every format represents it to its f16 scale's precision
        float[] constant = new float[n];
        Arrays.fill(constant, 0.75f);
        float[] back = Codec.decode(type, Codec.encode(type, constant), n);
        for (int i = 0; i < n; i++) {
            assertEquals(0.75f, back[i], 0.75f * 2e-2, type + " constant, element " + i);
        }
        float[] negative = new float[n];
        Arrays.fill(negative, -3f);
        back = Codec.decode(type, Codec.encode(type, negative), n);
        for (int i = 0; i < n; i++) {
            assertEquals(-3f, back[i], 3f * 2e-2, type + " negative constant, element " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void nativeDequantizeIsBitExact(DType type) {
        int n = type.blockSize() * 37;
        float[] x = normal(5, n, 2);
        byte[] encoded = Codec.encode(type, x);
        assertNativeDecodeMatches(type, encoded, n, "encoded normal values");
        // any bytes are a block: random ones exercise every scale index, high bit and sign
        byte[] random = new byte[encoded.length];
        new Random(6).nextBytes(random);
        if (type.isQuantized()) {
            clearHalfExponents(type, random);
        }
        assertNativeDecodeMatches(type, random, n, "random bytes");
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void nativeQuantizeIsByteExact(DType type) {
        int n = type.blockSize() * 41;
        for (float[] x : new float[][] {normal(7, n, 1), ranged(8, n), new float[n]}) {
            byte[] expected = Codec.encode(type, x);
            try (Tensor src = Tensor.of(x, n); Tensor dst = Tensor.zeros(type, n)) {
                int status = CpuKernels.llm_quantize(dst.address(), src.address(), type.ggmlId(), n);
                assertEquals(0, status, "llm_quantize status");
                byte[] actual = dst.toBytes();
                for (int i = 0; i < expected.length; i++) {
                    if (expected[i] != actual[i]) {
                        fail(type + ": byte " + i + " (block " + i / type.blockBytes() + ", offset "
                                + i % type.blockBytes() + ") is " + actual[i] + ", Java encodes " + expected[i]);
                    }
                }
            }
        }
    }

    @Test
    void countsThatAreNotWholeBlocksAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Codec.encode(DType.Q4_K, new float[255]));
        assertThrows(IllegalArgumentException.class, () -> Codec.decode(DType.Q6_K, new byte[210], 257));
        assertThrows(IllegalArgumentException.class, () -> Codec.decode(DType.Q5_K, new byte[176], -256));
    }

    private static void assertNativeDecodeMatches(DType type, byte[] encoded, int n, String what) {
        float[] expected = Codec.decode(type, encoded, n);
        try (Tensor src = Tensor.ofBytes(type, encoded, n); Tensor dst = Tensor.zeros(DType.F32, n)) {
            dst.copyFrom(filledWithNaN(n));
            int status = CpuKernels.llm_dequantize(dst.address(), src.address(), type.ggmlId(), n);
            assertEquals(0, status, "llm_dequantize status");
            float[] actual = dst.toFloatArray();
            for (int i = 0; i < n; i++) {
                if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i])) {
                    fail(type + " " + what + ": element " + i + " is " + actual[i] + " natively, " + expected[i]
                            + " in Java");
                }
            }
        }
    }

    private static float[] filledWithNaN(int n) {
        float[] nan = new float[n];
        Arrays.fill(nan, Float.NaN);
        return nan;
    }

    /** Keeps the f16 fields of random blocks finite (top exponent bit cleared), so outputs are numbers. */
    private static void clearHalfExponents(DType type, byte[] raw) {
        int[] halfOffsets = switch (type) {
            case Q8_0, Q4_0, Q5_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> new int[0];
        };
        for (int b = 0; b < raw.length / type.blockBytes(); b++) {
            for (int off : halfOffsets) {
                raw[b * type.blockBytes() + off + 1] &= (byte) 0xbf;
            }
        }
    }
}
