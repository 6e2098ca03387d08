package dev.llmaccel.tensor;

import dev.llmaccel.binding.cpu.CpuRuntime;

/** Host memory from the native allocator (64-byte aligned), or a read-only window of a mapped file. */
final class HostStorage extends Storage {
    private final Runnable releaser;

    private HostStorage(long address, long bytes, boolean writable, Runnable releaser) {
        super(Device.CPU, address, bytes, writable);
        this.releaser = releaser;
    }

    /** Allocates bytes of zeroed host memory. */
    static HostStorage allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size " + bytes);
        }
        long[] address = new long[1];
        if (CpuRuntime.llm_host_alloc(address, bytes) != 0) {
            throw new OutOfMemoryError("native allocation of " + bytes + " bytes failed");
        }
        CpuRuntime.llm_host_fill(address[0], 0, bytes);
        long a = address[0];
        return new HostStorage(a, bytes, true, () -> CpuRuntime.llm_host_free(a));
    }

    /** Wraps read-only memory (a mapped file) that closing releases through the given action. */
    static HostStorage readOnly(long address, long bytes, Runnable releaser) {
        return new HostStorage(address, bytes, false, releaser);
    }

    @Override
    public void read(long offset, byte[] dst) {
        checkRange(offset, dst.length);
        beginUse();
        try {
            CpuRuntime.llm_host_copy(dst, address() + offset, dst.length);
        } finally {
            endUse();
        }
    }

    @Override
    public void read(long offset, float[] dst) {
        checkRange(offset, 4L * dst.length);
        beginUse();
        try {
            CpuRuntime.llm_host_copy(dst, address() + offset, 4L * dst.length);
        } finally {
            endUse();
        }
    }

    @Override
    public void write(long offset, byte[] src) {
        checkWritable();
        checkRange(offset, src.length);
        beginUse();
        try {
            CpuRuntime.llm_host_copy(address() + offset, src, src.length);
        } finally {
            endUse();
        }
    }

    @Override
    public void write(long offset, float[] src) {
        checkWritable();
        checkRange(offset, 4L * src.length);
        beginUse();
        try {
            CpuRuntime.llm_host_copy(address() + offset, src, 4L * src.length);
        } finally {
            endUse();
        }
    }

    @Override
    void release() {
        releaser.run();
    }
}
