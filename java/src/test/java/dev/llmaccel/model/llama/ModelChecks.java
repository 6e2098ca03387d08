package dev.llmaccel.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmaccel.tensor.Tensor;
import java.util.Arrays;

/** Checks that every model test runs: incremental decoding, batching and backend agreement. */
final class ModelChecks {
    private ModelChecks() {}

    /**
     * Prefill the first prefix tokens, then decode the rest one by one: each step's logits must
     * equal the matching row of one pass over the whole sequence.
     */
    static void decodeMatchesRecompute(LlamaModel model, int[] tokens, int prefix) {
        float[][] full = new float[tokens.length][];
        try (LlamaSession s = model.newSession(tokens.length); Tensor all = s.forwardAll(tokens)) {
            float[] flat = all.toFloatArray();
            int vocab = model.config().vocabSize();
            for (int i = 0; i < tokens.length; i++) {
                full[i] = Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
            }
        }
        try (LlamaSession s = model.newSession(tokens.length)) {
            float[] step = s.forward(Arrays.copyOf(tokens, prefix)).toFloatArray();
            assertClose(full[prefix - 1], step, 1e-5, "after the prefill of " + prefix);
            for (int i = prefix; i < tokens.length; i++) {
                step = s.forward(tokens[i]).toFloatArray();
                assertClose(full[i], step, 1e-5, "decode step at position " + i);
            }
        }
    }

    /** A prompt run in chunks of 1, 2 and 3 tokens gives the logits of one pass. */
    static void batchSizeDoesNotMatter(LlamaModel model, int[] tokens) {
        float[] one;
        try (LlamaSession s = model.newSession(tokens.length)) {
            one = s.forward(tokens).toFloatArray();
        }
        for (int batch = 1; batch <= 3; batch++) {
            try (LlamaSession s = model.newSession(tokens.length, batch)) {
                assertClose(one, s.forward(tokens).toFloatArray(), 1e-5, "batch " + batch);
            }
        }
    }

    /** Two models (one file on two backends): close logits at every step and the same greedy tokens. */
    static void sameLogits(LlamaModel a, LlamaModel b, int[] prompt, double bound) {
        int steps = Math.min(32, a.config().contextLength() - prompt.length);
        try (LlamaSession sa = a.newSession(prompt.length + steps); LlamaSession sb = b.newSession(prompt.length + steps)) {
            float[] la = sa.forward(prompt).toFloatArray();
            float[] lb = sb.forward(prompt).toFloatArray();
            for (int i = 0; i < steps; i++) {
                assertClose(lb, la, bound, a.backend() + " vs " + b.backend() + " at step " + i);
                int ta = argmax(la);
                assertArrayEquals(new int[] {argmax(lb)}, new int[] {ta}, "greedy token at step " + i);
                la = sa.forward(ta).toFloatArray();
                lb = sb.forward(ta).toFloatArray();
            }
        }
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    /** ‖actual − expected‖ / ‖expected‖ ≤ bound, no NaN. */
    static void assertClose(float[] expected, float[] actual, double bound, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + " != " + expected.length);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(actual[i]) || Float.isNaN(expected[i])) {
                fail(what + ": NaN at " + i);
            }
            double d = (double) actual[i] - expected[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
        }
        double err = Math.sqrt(num / Math.max(den, 1e-30));
        assertTrue(err <= bound, what + ": relative error " + err + " > " + bound);
    }
}
