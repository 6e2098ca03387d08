package dev.llmaccel.memory;

import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.Objects;

/**
 * Tensors over {@link NativeMemory}: how a backend inside this module hands its own allocations
 * out as tensors. {@code Tensor} has no public factory that takes memory or an address; it gives
 * this class the one it has when it is initialized (the JDK's shared-secrets idiom), so the only
 * door to it is in this unexported package.
 */
public final class Tensors {
    /** Tensor's own factory: a tensor of dtype and shape that owns memory (closing it frees it). */
    public interface Factory {
        Tensor wrap(NativeMemory memory, DType dtype, long[] shape);
    }

    private static volatile Factory factory;

    private Tensors() {}

    /** Called once, by Tensor's static initializer. */
    public static void install(Factory f) {
        Objects.requireNonNull(f, "factory");
        synchronized (Tensors.class) {
            if (factory != null) {
                throw new IllegalStateException("the tensor factory is installed already");
            }
            factory = f;
        }
    }

    /**
     * A tensor of dtype and shape over memory, which it owns: closing the tensor frees it. On a bad
     * shape (or memory too small for it) the memory is left to the caller.
     */
    public static Tensor wrap(NativeMemory memory, DType dtype, long... shape) {
        Objects.requireNonNull(memory, "memory");
        if (factory == null) {
            initialize(Tensor.class);  // its static initializer installs the factory
        }
        return factory.wrap(memory, dtype, shape);
    }

    private static void initialize(Class<?> c) {
        try {
            Class.forName(c.getName(), true, c.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }
}
