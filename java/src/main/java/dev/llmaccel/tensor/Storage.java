package dev.llmaccel.tensor;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A block of native memory that tensors view: host memory, a memory-mapped file, or device memory.
 * Closing is idempotent; after it, {@link #address()} and every read or write throw
 * {@link IllegalStateException}.
 *
 * <p>Only this package makes storage (host memory from the native allocator or a mapped file, and
 * a backend's own allocations through {@code dev.llmaccel.memory}, which is not exported): the
 * constructor is not public, so no code outside can make storage at an address of its choosing and
 * hand it to a kernel.
 */
public abstract class Storage implements AutoCloseable {
    private final Device device;
    private final long address;
    private final long bytes;
    private final boolean writable;
    private final AtomicBoolean closed = new AtomicBoolean();

    Storage(Device device, long address, long bytes, boolean writable) {
        this.device = device;
        this.address = address;
        this.bytes = bytes;
        this.writable = writable;
    }

    public final Device device() {
        return device;
    }

    /** The native address of the first byte; only valid while open. */
    public final long address() {
        checkOpen();
        return address;
    }

    public final long bytes() {
        return bytes;
    }

    /** False for read-only memory (a mapped model file): nothing may write to it. */
    public final boolean isWritable() {
        return writable;
    }

    public final boolean isOpen() {
        return !closed.get();
    }

    public final void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("tensor memory was already closed");
        }
    }

    /** Copies dst.length bytes starting at byte offset into dst. */
    public abstract void read(long offset, byte[] dst);

    /** Copies dst.length floats starting at byte offset into dst. */
    public abstract void read(long offset, float[] dst);

    /** Copies all of src to byte offset. */
    public abstract void write(long offset, byte[] src);

    /** Copies all of src to byte offset. */
    public abstract void write(long offset, float[] src);

    /** Frees the memory; called once, by the first {@link #close()}. */
    abstract void release();

    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    /** Throws unless this storage may be written. */
    final void checkWritable() {
        if (!writable) {
            throw new IllegalStateException("tensor memory is read-only (a mapped file)");
        }
    }

    /** Checks that [offset, offset + length) lies inside this storage. */
    final void checkRange(long offset, long length) {
        checkOpen();
        if (offset < 0 || length < 0 || offset > bytes - length) {
            throw new IndexOutOfBoundsException(
                    "bytes [" + offset + ", " + offset + "+" + length + ") outside storage of " + bytes + " bytes");
        }
    }
}
