package dev.llmaccel.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmaccel.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * NaN and infinity in the ops that end a forward pass, on every backend (issue 14 item 5): logits
 * that are all NaN are an error, never token 0 again and again; a +inf logit bias picks its
 * token; softmax of a row holding +inf is its limit (one-hot over the +inf entries), not NaN.
 */
class NonFiniteTest {
    static Stream<String> backends() {
        return Stream.concat(Stream.of("reference"), TestBackends.nativeNames().stream());
    }

    static Backend open(String name) {
        if (!name.equals("reference")) {
            String why = TestBackends.unavailableReason(name);
            assumeTrue(why == null, () -> name + " unavailable: " + why);
        }
        return Backends.named(name);
    }

    static SamplingParams greedy() {
        return SamplingParams.greedy();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void allNanLogitsAreAnErrorGreedyOrSampled(String name) {
        try (Backend b = open(name)) {
            float[] nan = new float[300];
            Arrays.fill(nan, Float.NaN);
            try (Tensor host = Tensor.of(nan, 300); Tensor logits = b.upload(host)) {
                for (SamplingParams p : new SamplingParams[] {greedy(), SamplingParams.ofTemperature(0.8f).withTopK(40).withTopP(0.95f)}) {
                    IllegalStateException e = assertThrows(IllegalStateException.class,
                            () -> b.sample(logits, p, new int[0], 0.5), name + " " + p);
                    assertEquals("logits contain NaN: the model's weights or activations overflowed", e.getMessage());
                }
            }
            // one number among NaNs is the token: NaN never wins, and is no error then
            nan[17] = -3f;
            try (Tensor host = Tensor.of(nan, 300); Tensor logits = b.upload(host)) {
                assertEquals(17, b.sample(logits, greedy(), new int[0], 0.5));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aPlusInfinityLogitBiasPicksItsToken(String name) {
        try (Backend b = open(name)) {
            float[] x = new float[300];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i) * 5;
            }
            try (Tensor host = Tensor.of(x, 300); Tensor logits = b.upload(host)) {
                for (SamplingParams p : new SamplingParams[] {greedy(), SamplingParams.ofTemperature(1.0f),
                        SamplingParams.ofTemperature(0.7f).withTopK(20).withTopP(0.9f).withMinP(0.05f)}) {
                    SamplingParams biased = p.withLogitBias(Map.of(123, Float.POSITIVE_INFINITY));
                    for (double u : new double[] {0, 0.5, 0.999}) {
                        assertEquals(123, b.sample(logits, biased, new int[0], u), name + " " + biased + " u=" + u);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void softmaxOfARowWithPlusInfinityIsOneHot(String name) {
        try (Backend b = open(name)) {
            float inf = Float.POSITIVE_INFINITY;
            float[] x = {1, inf, 2, -5, /* row 2 */ inf, 0, inf, 3, /* row 3, ordinary */ 0, 0, 0, 0};
            try (Tensor host = Tensor.of(x, 3, 4); Tensor in = b.upload(host); Tensor out = b.allocate(in.dtype(), 3, 4)) {
                b.softmax(out, in);
                float[] y = out.toFloatArray();
                assertArrayEquals(new float[] {0, 1, 0, 0, 0.5f, 0, 0.5f, 0, 0.25f, 0.25f, 0.25f, 0.25f}, y, 1e-6f,
                        name + ": " + Arrays.toString(y));
            }
        }
    }
}
