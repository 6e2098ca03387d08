package dev.llmaccel.backend;

import java.util.List;

/**
 * The description of an op over rows: {@code out (n, d) = f(x (n, d))} row by row, with vectors
 * (d) that every row shares and scalars; every tensor F32; out may be x (in place) but shares no
 * memory with a vector; the last vector may be null where the description makes it optional; the
 * scalars are epsilons (>= 0 and finite). As for {@link Elementwise}, an {@link Op} that carries one
 * gets from it its checks and fallback in {@link Backend}, its reference, its CPU kernel (by
 * {@link Op#kernelName()} in the native library's table of row kernels) and its op suite cases.
 *
 * @param vectors the names of the vectors after x, in order ("weight", "bias")
 * @param optionalLast whether the last vector may be absent (null)
 * @param scalars number of float arguments after the tensors
 * @param reference f of one row in double precision: the oracle the kernels are tested against
 */
record Rowwise(List<String> vectors, boolean optionalLast, int scalars, Reference reference) {

    /** f of one row x, with the row's vectors (an absent optional one is null) and the op's scalars. */
    interface Reference {
        double[] apply(double[] x, double[][] vectors, float[] scalars);
    }
}
