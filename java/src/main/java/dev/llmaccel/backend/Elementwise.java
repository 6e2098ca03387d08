package dev.llmaccel.backend;

/**
 * The description of an elementwise op: {@code out[i] = f(inputs[0][i], .., scalars)} for every
 * element, every tensor F32 and of one shape, out allowed to be any input (in place), scalars
 * finite. An {@link Op} that carries one gets from it, with nothing restated elsewhere: its
 * argument checks and fallback in {@link Backend} (one generic method behind each public one), its
 * reference ({@link ReferenceBackend} applies {@link #reference}), its CPU kernel (looked up by
 * the op's {@link Op#kernelName()} in the native library's table, which checks the arity) and its
 * cases in the op suite (every shape of the elementwise family, at every level). A backend without
 * the kernel declines the op ({@link Backend#supports} false) and it runs on the fallback.
 *
 * @param inputs number of tensor inputs
 * @param scalars number of float arguments after the tensors
 * @param reference f in double precision: the oracle the kernels are tested against
 */
record Elementwise(int inputs, int scalars, Reference reference) {

    /** f of one element's inputs x (one per input tensor) and the op's scalars. */
    interface Reference {
        double apply(double[] x, float[] scalars);
    }
}
