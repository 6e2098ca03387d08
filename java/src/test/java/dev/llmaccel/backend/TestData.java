package dev.llmaccel.backend;

import static org.junit.jupiter.api.Assertions.fail;

import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.Random;

/** Random inputs, poisoned outputs and the error measure of the op suite. */
public final class TestData {
    private TestData() {}

    /** n values from a normal distribution with the given scale, seeded. */
    public static float[] normal(long seed, int n, double scale) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * scale);
        }
        return x;
    }

    /** n values uniform in [lo, hi). */
    static float[] uniform(long seed, int n, double lo, double hi) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return x;
    }

    /** A tensor on backend filled with NaN, so that any element a kernel fails to write shows. */
    static Tensor poisoned(Backend backend, long... shape) {
        Tensor host = Tensor.zeros(DType.F32, shape);
        float[] nan = new float[(int) host.elements()];
        java.util.Arrays.fill(nan, Float.NaN);
        host.copyFrom(nan);
        Tensor t = backend.upload(host);
        if (t != host) {
            host.close();
        }
        return t;
    }

    /** A tensor of type on backend holding values (quantized if need be). */
    static Tensor tensor(Backend backend, DType type, float[] values, long... shape) {
        Tensor host = Tensor.of(type, values, shape);
        Tensor t = backend.upload(host);
        if (t != host) {
            host.close();
        }
        return t;
    }

    /** ‖actual − expected‖ / ‖expected‖ (absolute norm when expected is all zeros). */
    static double relativeError(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            fail("length " + actual.length + " != expected " + expected.length);
        }
        double diff = 0;
        double ref = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = (double) actual[i] - expected[i];
            diff += d * d;
            ref += (double) expected[i] * expected[i];
        }
        return ref == 0 ? Math.sqrt(diff) : Math.sqrt(diff / ref);
    }

    /** Fails on any NaN or infinity in actual where expected is finite, then on an error above bound. */
    static void assertClose(float[] actual, float[] expected, double bound, String what) {
        for (int i = 0; i < actual.length; i++) {
            if (!Float.isFinite(actual[i]) && Float.isFinite(expected[i])) {
                fail(what + ": element " + i + " is " + actual[i] + " (expected " + expected[i] + ")");
            }
        }
        double err = relativeError(actual, expected);
        if (!(err <= bound)) {
            fail(what + ": relative error " + err + " exceeds " + bound);
        }
    }
}
