package dev.llmaccel.format.gguf;

import dev.llmaccel.tensor.DType;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a GGUF file, as its header describes it (already validated by {@link GgufFile#open}).
 *
 * @param name the tensor's name
 * @param ggmlType the type id ({@link GgmlType#id()})
 * @param dims the dimensions in GGUF order: dims[0] is the innermost (contiguous) one
 * @param offset the absolute byte offset of the data in the file
 * @param bytes the size of the data in bytes
 */
public record GgufTensorInfo(String name, int ggmlType, long[] dims, long offset, long bytes) {
    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        dims = dims.clone();
    }

    /** A copy of the dimensions in GGUF order (innermost first). */
    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** The llmaccel element type, or null when the ggml type is not one llmaccel computes (e.g. Q2_K, IQ4_XS). */
    public DType dtype() {
        return DType.fromGgmlId(ggmlType);
    }

    /** The ggml type, or null for an id that is not in the table (never so for infos from {@link GgufFile}). */
    public GgmlType type() {
        return GgmlType.fromId(ggmlType);
    }

    /** The row-major shape (outermost first): the dimensions reversed. */
    public long[] shape() {
        return GgufLayout.reversed(dims);
    }

    /** Number of elements. */
    public long elements() {
        return GgufLayout.elements(dims);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && t.name.equals(name) && t.ggmlType == ggmlType
                && Arrays.equals(t.dims, dims) && t.offset == offset && t.bytes == bytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, ggmlType, Arrays.hashCode(dims), offset, bytes);
    }

    @Override
    public String toString() {
        GgmlType t = type();
        return name + " " + (t == null ? "type " + ggmlType : t) + " " + Arrays.toString(shape())
                + " at " + offset + " (" + bytes + " bytes)";
    }
}
