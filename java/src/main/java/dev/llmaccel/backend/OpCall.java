package dev.llmaccel.backend;

import dev.llmaccel.tensor.Tensor;

/**
 * One op as an {@link OpListener} sees it, after its arguments were checked: the backend, the op,
 * its tensors (outputs first, in the order of the public method; an absent optional one is null)
 * and the sizes its kernel gets (for example n, k, m of a matmul), and whether it ran on the
 * backend's fallback instead (see {@link #fallback()}).
 */
public final class OpCall {
    private final Backend backend;
    private final Backend fallback;
    private final Op op;
    private final Tensor[] tensors;
    private final long[] sizes;

    OpCall(Backend backend, Backend fallback, Op op, Tensor[] tensors, long[] sizes) {
        this.backend = backend;
        this.fallback = fallback;
        this.op = op;
        this.tensors = tensors;
        this.sizes = sizes;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * The backend the op ran on instead of {@link #backend()} (its fallback, on host copies of the
     * arguments) because backend() declines it, or null when it ran on backend() itself.
     */
    public Backend fallback() {
        return fallback;
    }

    public Op op() {
        return op;
    }

    /** The number of tensor arguments. */
    public int tensors() {
        return tensors.length;
    }

    /** Tensor argument i (outputs first), or null for an absent optional one. */
    public Tensor tensor(int i) {
        return tensors[i];
    }

    /** The number of sizes. */
    public int sizes() {
        return sizes.length;
    }

    /** Size i of the kernel's integer arguments. */
    public long size(int i) {
        return sizes[i];
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(op.toString()).append(" on ").append(backend.name()).append('(');
        for (int i = 0; i < tensors.length; i++) {
            s.append(i == 0 ? "" : ", ").append(tensors[i]);
        }
        s.append(')');
        return fallback == null ? s.toString() : s.append(" on its fallback ").append(fallback.name()).toString();
    }
}
