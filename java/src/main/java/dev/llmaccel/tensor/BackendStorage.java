package dev.llmaccel.tensor;

import dev.llmaccel.memory.NativeMemory;

/** Memory a backend allocated itself (device memory), behind Storage's range, open and write checks. */
final class BackendStorage extends Storage {
    private final NativeMemory memory;

    BackendStorage(NativeMemory memory) {
        super(memory.device(), memory.address(), memory.bytes(), true);
        this.memory = memory;
    }

    @Override
    public void read(long offset, byte[] dst) {
        checkRange(offset, dst.length);
        memory.read(offset, dst);
    }

    @Override
    public void read(long offset, float[] dst) {
        checkRange(offset, 4L * dst.length);
        memory.read(offset, dst);
    }

    @Override
    public void write(long offset, byte[] src) {
        checkWritable();
        checkRange(offset, src.length);
        memory.write(offset, src);
    }

    @Override
    public void write(long offset, float[] src) {
        checkWritable();
        checkRange(offset, 4L * src.length);
        memory.write(offset, src);
    }

    @Override
    void release() {
        memory.free();
    }
}
