package dev.llmaccel.backend.cuda;

import dev.llmaccel.backend.NativeException;
import dev.llmaccel.binding.cuda.CudaRuntime;
import dev.llmaccel.memory.NativeMemory;
import dev.llmaccel.tensor.Device;
import java.util.logging.Logger;

/**
 * Device memory from cudaMalloc, zero-filled. Reads and writes are synchronous copies that come
 * after every op already enqueued on any backend's stream (the CUDA runtime orders its default
 * stream after the others), so a read sees the results of the ops before it. The tensor's storage
 * checks ranges and the open state before each call.
 */
final class DeviceMemory implements NativeMemory {
    private static final Logger LOG = Logger.getLogger("dev.llmaccel");
    private final long address;
    private final long bytes;
    private final int device;

    private DeviceMemory(long address, long bytes, int device) {
        this.address = address;
        this.bytes = bytes;
        this.device = device;
    }

    /**
     * Allocates bytes on the device.
     *
     * @throws NativeException when the device cannot (out of memory: status 2, the message says
     *     how much was asked and how much is free)
     */
    static DeviceMemory allocate(long bytes, int device) {
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
        return new DeviceMemory(address[0], bytes, device);
    }

    @Override
    public Device device() {
        return Device.CUDA;
    }

    @Override
    public long address() {
        return address;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void read(long offset, byte[] dst) {
        CudaBackend.check(CudaRuntime.llm_cuda_memory_read(dst, address + offset, dst.length, device), "reading device memory");
    }

    @Override
    public void read(long offset, float[] dst) {
        CudaBackend.check(CudaRuntime.llm_cuda_memory_read(dst, address + offset, 4L * dst.length, device),
                "reading device memory");
    }

    @Override
    public void write(long offset, byte[] src) {
        CudaBackend.check(CudaRuntime.llm_cuda_memory_write(address + offset, src, src.length, device),
                "writing device memory");
    }

    @Override
    public void write(long offset, float[] src) {
        CudaBackend.check(CudaRuntime.llm_cuda_memory_write(address + offset, src, 4L * src.length, device),
                "writing device memory");
    }

    @Override
    public void free() {
        // Storage.close() calls this once; a failure here (a device already in error) cannot be
        // acted on by the caller, so it is logged rather than thrown out of close().
        int err = CudaRuntime.llm_cuda_memory_free(address, device);
        if (err != 0) {
            LOG.warning(() -> "freeing device memory failed: " + CudaRuntime.llm_cuda_error_string(err));
        }
    }
}
