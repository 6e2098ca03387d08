package dev.llmaccel.backend;

import dev.llmaccel.tensor.Tensor;

/**
 * One op as an {@link OpListener} sees it, after its arguments were checked: the backend, the op,
 * its tensors (outputs first, in the order of the public method; an absent optional one is null)
 * and the sizes its kernel gets (for example n, k, m of a matmul).
 */
public final class OpCall {
    private final Backend backend;
    private final Op op;
    private final Tensor[] tensors;
    private final long[] sizes;

    OpCall(Backend backend, Op op, Tensor[] tensors, long[] sizes) {
        this.backend = backend;
        this.op = op;
        this.tensors = tensors;
        this.sizes = sizes;
    }

    public Backend backend() {
        return backend;
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
        return s.append(')').toString();
    }
}
