package dev.llmaccel.backend;

import java.util.Arrays;
import java.util.Objects;

/**
 * Rotary position embedding settings.
 *
 * @param style pairing of dimensions
 * @param theta frequency base (10000 for Llama 2, 500000 for Llama 3)
 * @param rotaryDims how many leading dimensions of each head rotate (even; the rest pass through);
 *     0 means the whole head
 * @param freqFactors per-pair divisors of the frequencies (Llama 3 rope scaling), length
 *     rotaryDims / 2, or null for none
 */
public record RopeParams(RopeStyle style, double theta, int rotaryDims, float[] freqFactors) {
    public RopeParams {
        if (style == null) {
            throw new NullPointerException("style");
        }
        if (!(theta > 0) || Double.isInfinite(theta)) {
            throw new IllegalArgumentException("rope theta must be positive and finite, got " + theta);
        }
        if (rotaryDims < 0 || rotaryDims % 2 != 0) {
            throw new IllegalArgumentException("rotary dimensions must be even and >= 0, got " + rotaryDims);
        }
        if (freqFactors != null) {
            freqFactors = freqFactors.clone();
            for (float f : freqFactors) {
                if (!(f > 0) || Float.isInfinite(f)) {
                    throw new IllegalArgumentException("rope frequency factors must be positive and finite");
                }
            }
        }
    }

    /** Whole-head rotation without scaling. */
    public static RopeParams of(RopeStyle style, double theta) {
        return new RopeParams(style, theta, 0, null);
    }

    /** The rotating dimensions for a head of headDim. */
    public int rotaryDimsFor(int headDim) {
        return rotaryDims == 0 ? headDim : rotaryDims;
    }

    @Override
    public float[] freqFactors() {
        return freqFactors == null ? null : freqFactors.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RopeParams r && r.style == style && r.theta == theta && r.rotaryDims == rotaryDims
                && Arrays.equals(r.freqFactors, freqFactors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(style, theta, rotaryDims, Arrays.hashCode(freqFactors));
    }

    @Override
    public String toString() {
        return "RopeParams[" + style + ", theta=" + theta + ", rotaryDims=" + rotaryDims
                + (freqFactors == null ? "" : ", freqFactors=" + freqFactors.length) + "]";
    }
}
