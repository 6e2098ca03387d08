package dev.llmaccel.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A block of native memory that tensors view: host memory, a memory-mapped file, or device memory.
 * Closing is idempotent; after it, {@link #address()} and every read or write throw
 * {@link IllegalStateException}.
 *
 * <p>Liveness: every native call on the memory runs between {@link #beginUse()} and
 * {@link #endUse()} (Backend does it around each kernel, the host reads and writes here). Closing
 * refuses new uses at once, but frees the memory only when the last use in flight has ended, so a
 * file closed on one thread is never unmapped under a kernel another thread is running on it.
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
    /** Bit 62: closed; the bits below: uses in flight. */
    private final AtomicLong state = new AtomicLong();
    private final AtomicBoolean released = new AtomicBoolean();
    private static final long CLOSED = 1L << 62;

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
        return (state.get() & CLOSED) == 0;
    }

    public final void checkOpen() {
        if (!isOpen()) {
            throw new IllegalStateException("tensor memory was already closed");
        }
    }

    /**
     * Starts a use of the memory by a native call: until the matching {@link #endUse()} the memory
     * stays allocated (mapped), even if another thread closes this storage meanwhile.
     *
     * @throws IllegalStateException when the storage is closed
     */
    public final void beginUse() {
        while (true) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                throw new IllegalStateException("tensor memory was already closed");
            }
            if (state.compareAndSet(s, s + 1)) {
                return;
            }
        }
    }

    /** Ends a use {@link #beginUse()} started; the last one to end after a close frees the memory. */
    public final void endUse() {
        if (state.decrementAndGet() == CLOSED) {
            releaseOnce();
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

    /** Refuses new uses; frees the memory now, or when the last use in flight ends. */
    @Override
    public final void close() {
        while (true) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                return;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) {
                    releaseOnce();
                }
                return;
            }
        }
    }

    private void releaseOnce() {
        if (released.compareAndSet(false, true)) {
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
