package dev.llmaccel.format.gguf;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Produces a tensor's bytes (in its type's layout, rows in row-major order) when
 * {@link GgufWriter} writes the file, so that tensors of any size need no memory. It must write
 * exactly the tensor's byte size; more or fewer fails the write.
 */
@FunctionalInterface
public interface TensorSource {
    void write(OutputStream out) throws IOException;
}
