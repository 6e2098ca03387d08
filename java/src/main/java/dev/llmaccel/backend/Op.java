package dev.llmaccel.backend;

import java.util.List;
import java.util.Locale;

/**
 * The operations a {@link Backend} implements; {@link Backend#supports} answers per op and weight type.
 * An op of the elementwise family or of the row family carries its whole description (its
 * {@code Elementwise} or {@code Rowwise}): adding one is a constant here, its public method in
 * {@link Backend} and its native kernel.
 */
public enum Op {
    EMBEDDING,
    MATMUL,
    /** out = x / sqrt(mean(x²) + eps) * weight, over each row */
    RMS_NORM(new Rowwise(List.of("weight"), false, 1, (x, v, s) -> {
        double ss = 0;
        for (double t : x) {
            ss += t * t;
        }
        double inv = 1 / Math.sqrt(ss / x.length + s[0]);
        double[] y = new double[x.length];
        for (int c = 0; c < x.length; c++) {
            y[c] = x[c] * inv * v[0][c];
        }
        return y;
    })),
    /** out = (x - mean) / sqrt(var + eps) * weight + bias (bias optional), over each row */
    LAYER_NORM(new Rowwise(List.of("weight", "bias"), true, 1, (x, v, s) -> {
        double mean = 0;
        for (double t : x) {
            mean += t;
        }
        mean /= x.length;
        double var = 0;
        for (double t : x) {
            var += (t - mean) * (t - mean);
        }
        double inv = 1 / Math.sqrt(var / x.length + s[0]);
        double[] y = new double[x.length];
        for (int c = 0; c < x.length; c++) {
            y[c] = (x[c] - mean) * inv * v[0][c] + (v[1] == null ? 0 : v[1][c]);
        }
        return y;
    })),
    ROPE,
    /** out = silu(gate) * up = gate / (1 + exp(-gate)) * up */
    SWIGLU(new Elementwise(2, 0, (x, s) -> x[0] / (1 + Math.exp(-x[0])) * x[1])),
    /** out = gelu(x), the exact form: 0.5 x (1 + erf(x / √2)) = 0.5 x erfc(-x / √2) */
    GELU(new Elementwise(1, 0, (x, s) -> 0.5 * x[0] * Erf.erfc(-x[0] / Math.sqrt(2)))),
    /** out = alpha * x */
    SCALE(new Elementwise(1, 1, (x, s) -> s[0] * x[0])),
    ADD,
    /** out = exp(x - max) / sum(exp(x - max)), over each row */
    SOFTMAX(new Rowwise(List.of(), false, 0, (x, v, s) -> {
        double max = Double.NEGATIVE_INFINITY;
        for (double t : x) {
            max = Math.max(max, t);
        }
        if (max == Double.POSITIVE_INFINITY) {  // the limit: the +inf entries share all the weight
            int count = 0;
            for (double t : x) {
                count += t == max ? 1 : 0;
            }
            double[] y = new double[x.length];
            for (int c = 0; c < x.length; c++) {
                y[c] = x[c] == max ? 1.0 / count : 0.0;
            }
            return y;
        }
        double sum = 0;
        for (double t : x) {
            sum += Math.exp(t - max);
        }
        double[] y = new double[x.length];
        for (int c = 0; c < x.length; c++) {
            y[c] = Math.exp(x[c] - max) / sum;
        }
        return y;
    })),
    ATTENTION,
    PAGED_KV_WRITE,
    PAGED_ATTENTION,
    POOL,
    /** out = x / ‖x‖ (zeros for a zero row), over each row */
    L2_NORMALIZE(new Rowwise(List.of(), false, 0, (x, v, s) -> {
        double ss = 0;
        for (double t : x) {
            ss += t * t;
        }
        double inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
        double[] y = new double[x.length];
        for (int c = 0; c < x.length; c++) {
            y[c] = x[c] * inv;
        }
        return y;
    })),
    SAMPLE,
    COPY;

    private final Elementwise elementwise;
    private final Rowwise rowwise;

    Op() {
        this(null, null);
    }

    Op(Elementwise elementwise) {
        this(elementwise, null);
    }

    Op(Rowwise rowwise) {
        this(null, rowwise);
    }

    Op(Elementwise elementwise, Rowwise rowwise) {
        this.elementwise = elementwise;
        this.rowwise = rowwise;
    }

    /** The description of an elementwise op, or null for an op of another family. */
    Elementwise elementwise() {
        return elementwise;
    }

    /** The description of an op over rows, or null for an op of another family. */
    Rowwise rowwise() {
        return rowwise;
    }

    /** Whether the op is of the row family (F32 rows, each with vectors every row shares). */
    public boolean isRowwise() {
        return rowwise != null;
    }

    /** Whether the op is of the elementwise family (same-shape F32 tensors, element by element). */
    public boolean isElementwise() {
        return elementwise != null;
    }

    /** The op's name in native kernel tables and in messages: "swiglu", "rms_norm". */
    public String kernelName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
