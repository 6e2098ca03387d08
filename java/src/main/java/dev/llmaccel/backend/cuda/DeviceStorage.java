package dev.llmaccel.backend.cuda;

import dev.llmaccel.backend.NativeException;
import dev.llmaccel.binding.cuda.CudaRuntime;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.Storage;
import java.util.logging.Logger;

/**
 * Device memory from cudaMalloc, zero-filled. Reads and writes are synchronous copies that come
 * after every op already enqueued on any backend's stream (the CUDA runtime orders its default
 * stream after the others), so a read sees the results of the ops before it.
 */
final class DeviceStorage extends Storage {
    private static final Logger LOG = Logger.getLogger("dev.llmaccel");
    private final int device;
    private final long pointer;  // address() refuses once closed; release() runs after that

    private DeviceStorage(long address, long bytes, int device) {
        super(Device.CUDA, address, bytes, true);
        this.device = device;
        this.pointer = address;
    }

    /**
     * Allocates bytes on the device.
     *
     * @throws NativeException when the device cannot (out of memory: status 2, the message says
     *     how much was asked and how much is free)
     */
    static DeviceStorage allocate(long bytes, int device) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size " + bytes);
        }
        long[] address = new long[1];
        int err = CudaRuntime.llm_cuda_memory_alloc(address, bytes, device);
        if (err == CudaBackend.OUT_OF_MEMORY) {
            long[] free = new long[1];
            long[] total = new long[1];
            CudaRuntime.llm_cuda_memory_info(free, total, device);
            throw new NativeException("CUDA out of memory: cannot allocate " + bytes + " bytes on device " + device
                    + " (" + free[0] + " of " + total[0] + " bytes free)", err);
        }
        CudaBackend.check(err, "allocating " + bytes + " bytes of device memory");
        return new DeviceStorage(address[0], bytes, device);
    }

    @Override
    public void read(long offset, byte[] dst) {
        checkRange(offset, dst.length);
        CudaBackend.check(CudaRuntime.llm_cuda_memory_read(dst, address() + offset, dst.length, device), "reading device memory");
    }

    @Override
    public void read(long offset, float[] dst) {
        checkRange(offset, 4L * dst.length);
        CudaBackend.check(CudaRuntime.llm_cuda_memory_read(dst, address() + offset, 4L * dst.length, device),
                "reading device memory");
    }

    @Override
    public void write(long offset, byte[] src) {
        checkWritable();
        checkRange(offset, src.length);
        CudaBackend.check(CudaRuntime.llm_cuda_memory_write(address() + offset, src, src.length, device),
                "writing device memory");
    }

    @Override
    public void write(long offset, float[] src) {
        checkWritable();
        checkRange(offset, 4L * src.length);
        CudaBackend.check(CudaRuntime.llm_cuda_memory_write(address() + offset, src, 4L * src.length, device),
                "writing device memory");
    }

    @Override
    protected void release() {
        // Storage.close() calls this once; a failure here (a device already in error) cannot be
        // acted on by the caller, so it is logged rather than thrown out of close().
        int err = CudaRuntime.llm_cuda_memory_free(pointer, device);
        if (err != 0) {
            LOG.warning(() -> "freeing device memory failed: " + CudaRuntime.llm_cuda_error_string(err));
        }
    }
}
