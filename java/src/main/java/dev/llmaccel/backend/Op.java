package dev.llmaccel.backend;

import java.util.Locale;

/**
 * The operations a {@link Backend} implements; {@link Backend#supports} answers per op and weight type.
 * An op of the elementwise family carries its whole description (its {@code Elementwise}): adding one is
 * a constant here, its public method in {@link Backend} and its native kernel.
 */
public enum Op {
    EMBEDDING,
    MATMUL,
    RMS_NORM,
    LAYER_NORM,
    ROPE,
    /** out = silu(gate) * up = gate / (1 + exp(-gate)) * up */
    SWIGLU(new Elementwise(2, 0, (x, s) -> x[0] / (1 + Math.exp(-x[0])) * x[1])),
    /** out = gelu(x), the exact form: 0.5 x (1 + erf(x / √2)) = 0.5 x erfc(-x / √2) */
    GELU(new Elementwise(1, 0, (x, s) -> 0.5 * x[0] * Erf.erfc(-x[0] / Math.sqrt(2)))),
    /** out = alpha * x */
    SCALE(new Elementwise(1, 1, (x, s) -> s[0] * x[0])),
    ADD,
    SOFTMAX,
    ATTENTION,
    PAGED_KV_WRITE,
    PAGED_ATTENTION,
    POOL,
    L2_NORMALIZE,
    SAMPLE,
    COPY;

    private final Elementwise elementwise;

    Op() {
        this(null);
    }

    Op(Elementwise elementwise) {
        this.elementwise = elementwise;
    }

    /** The description of an elementwise op, or null for an op of another family. */
    Elementwise elementwise() {
        return elementwise;
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
