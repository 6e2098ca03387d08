package dev.llmaccel.memory;

import dev.llmaccel.tensor.Device;

/**
 * Memory that a backend allocated itself (device memory), for a tensor to view through
 * {@link Tensors#wrap}. Implemented inside this module only: this package is not exported, so no
 * code outside the module can put an address of its choosing under a tensor (the public API makes
 * tensors by shape, from arrays, or over files it mapped itself).
 *
 * <p>The tensor's storage checks every range, the open state and writability before it calls
 * these methods, and calls {@link #free} once.
 */
public interface NativeMemory {
    /** Where the memory lives. */
    Device device();

    /** The native address of the first byte, the same for the memory's whole life. */
    long address();

    /** The size in bytes. */
    long bytes();

    /** Copies dst.length bytes starting at byte offset into dst. */
    void read(long offset, byte[] dst);

    /** Copies dst.length floats starting at byte offset into dst. */
    void read(long offset, float[] dst);

    /** Copies all of src to byte offset. */
    void write(long offset, byte[] src);

    /** Copies all of src to byte offset. */
    void write(long offset, float[] src);

    /** Releases the memory; called once, when the tensor that owns it is closed. */
    void free();
}
