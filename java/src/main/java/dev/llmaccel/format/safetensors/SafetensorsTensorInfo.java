package dev.llmaccel.format.safetensors;

/**
 * A tensor's entry in a safetensors header.
 *
 * @param name the tensor's name
 * @param dtype the type as the header spells it: F32, F16, BF16, I64, ...
 * @param shape dimensions, outermost first
 * @param begin first byte of its data, relative to the start of the data section
 * @param end one past its last byte
 */
public record SafetensorsTensorInfo(String name, String dtype, long[] shape, long begin, long end) {
    public SafetensorsTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of elements (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
