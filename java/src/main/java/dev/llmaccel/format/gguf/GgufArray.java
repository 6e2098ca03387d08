package dev.llmaccel.format.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * A GGUF metadata array: its element type and its values in that type's Java array form (see
 * {@link GgufValueType}: {@code float[]} for FLOAT32, {@code List<String>} for STRING,
 * {@code List<GgufArray>} for arrays of arrays, ...). Equality compares the contents.
 *
 * @param elementType the type of every element
 * @param values the elements; the constructor checks that their Java form fits elementType and copies them
 */
public record GgufArray(GgufValueType elementType, Object values) {
    public GgufArray {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(values, "values");
        GgufValues.checkArray(elementType, values);
        values = GgufValues.copyArray(values);
    }

    /** The elements: a copy for primitive arrays, an unmodifiable list otherwise. */
    @Override
    public Object values() {
        return GgufValues.copyArray(values);
    }

    /** Number of elements. */
    public int length() {
        return GgufValues.length(values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufArray a && a.elementType == elementType && Objects.deepEquals(a.values, values);
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
        return elementType + "[" + length() + "]";
    }
}
