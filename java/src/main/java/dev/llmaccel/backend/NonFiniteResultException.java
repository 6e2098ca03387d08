package dev.llmaccel.backend;

/**
 * A model's result is not a number (NaN logits, a NaN or infinite embedding): its weights or its
 * activations overflowed, and going on would hand out garbage (token after token of id 0, "NaN" in
 * a vector). An IllegalStateException, as the model's state is what is wrong.
 */
public final class NonFiniteResultException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public NonFiniteResultException(String message) {
        super(message);
    }
}
