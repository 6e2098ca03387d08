package dev.llmaccel.backend;

import static dev.llmaccel.backend.TestData.assertClose;
import static dev.llmaccel.backend.TestData.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.binding.cpu.CpuRuntime;
import dev.llmaccel.memory.NativeMemory;
import dev.llmaccel.memory.Tensors;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The per-op fallback of {@link Backend}: a backend that declines an op for a type gets it run on
 * its fallback, on host copies, with the outputs copied back. Runs on any host: the backend under
 * test keeps its "device" tensors in Java arrays, so every copy goes through the generic
 * {@link Backend#download} and {@link Backend#copyFromHost}.
 */
class FallbackTest {

    /** Memory that claims to be on the GPU but is a Java array (no address: nothing native may read it). */
    static final class ArrayMemory implements NativeMemory {
        final byte[] data;

        ArrayMemory(long bytes) {
            data = new byte[Math.toIntExact(bytes)];
        }

        @Override
        public Device device() {
            return Device.CUDA;
        }

        @Override
        public long address() {
            return 0;
        }

        @Override
        public long bytes() {
            return data.length;
        }

        @Override
        public void read(long offset, byte[] dst) {
            System.arraycopy(data, (int) offset, dst, 0, dst.length);
        }

        @Override
        public void read(long offset, float[] dst) {
            byte[] b = new byte[4 * dst.length];
            read(offset, b);
            java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst);
        }

        @Override
        public void write(long offset, byte[] src) {
            System.arraycopy(src, 0, data, (int) offset, src.length);
        }

        @Override
        public void write(long offset, float[] src) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * src.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(src);
            write(offset, b.array());
        }

        @Override
        public void free() {}
    }

    /** Declines matmul and embedding for every type; implements no kernel (each reports itself not implemented). */
    static final class DecliningBackend extends Backend {
        private final Backend fallback;

        DecliningBackend(Backend fallback) {
            this.fallback = fallback;
        }

        @Override
        public String name() {
            return "declining";
        }

        @Override
        public Device device() {
            return Device.CUDA;
        }

        @Override
        public boolean supports(Op op, DType dtype) {
            return op != Op.MATMUL && op != Op.EMBEDDING;
        }

        @Override
        protected Backend fallback() {
            return fallback;
        }

        @Override
        public Tensor allocate(DType dtype, long... shape) {
            long elements = 1;
            for (long d : shape) {
                elements *= d;
            }
            return Tensors.wrap(new ArrayMemory(dtype.bytesFor(elements)), dtype, shape);
        }

        @Override
        public Tensor upload(Tensor t) {
            Tensor d = allocate(t.dtype(), t.shape());
            d.copyFromBytes(t.toBytes());
            return d;
        }
    }

    @Test
    void declinedMatmulRunsOnTheFallbackForEveryType() {
        Backend cpu = Backends.cpu();
        Backend declining = new DecliningBackend(cpu);
        for (DType t : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_1, DType.Q5_0,
                DType.Q5_1}) {
            long n = 3, k = 256, m = 5;
            try (Tensor hx = Tensor.of(normal(1, (int) (n * k), 1), n, k);
                 Tensor hw = Tensor.of(t, normal(2, (int) (m * k), 0.5), m, k);
                 Tensor hout = Tensor.zeros(DType.F32, n, m);
                 Tensor x = declining.upload(hx);
                 Tensor w = declining.upload(hw);
                 Tensor out = declining.allocate(DType.F32, n, m)) {
                cpu.matmul(hout, hx, hw);
                declining.matmul(out, x, w);
                assertEquals(Device.CUDA, out.device());
                assertArrayEquals(hout.toFloatArray(), out.toFloatArray(), "matmul " + t + " through the fallback");
            }
        }
    }

    @Test
    void declinedEmbeddingRunsOnTheFallback() {
        Backend reference = Backends.reference();
        Backend declining = new DecliningBackend(Backends.cpu());
        int[] ids = {4, 0, 12, 4};
        try (Tensor htable = Tensor.of(DType.Q5_1, normal(3, 13 * 256, 1), 13, 256);
             Tensor hout = Tensor.zeros(DType.F32, ids.length, 256);
             Tensor table = declining.upload(htable);
             Tensor out = declining.allocate(DType.F32, ids.length, 256)) {
            reference.embedding(hout, htable, ids);
            declining.embedding(out, table, ids);
            assertClose(out.toFloatArray(), hout.toFloatArray(), 1e-6, "embedding Q5_1 through the fallback");
        }
    }

    @Test
    void hostCopiesAreReleased() {
        Backend declining = new DecliningBackend(Backends.cpu());
        try (Tensor hx = Tensor.of(normal(4, 2 * 256, 1), 2, 256);
             Tensor hw = Tensor.of(DType.Q4_1, normal(5, 3 * 256, 1), 3, 256);
             Tensor x = declining.upload(hx);
             Tensor w = declining.upload(hw);
             Tensor out = declining.allocate(DType.F32, 2, 3)) {
            long before = CpuRuntime.llm_host_bytes_in_use();
            declining.matmul(out, x, w);
            assertEquals(before, CpuRuntime.llm_host_bytes_in_use(), "host copies of the arguments are closed");
        }
    }

    @Test
    void withoutAFallbackADeclinedOpThrows() {
        Backend declining = new DecliningBackend(null);
        try (Tensor hx = Tensor.of(normal(7, 256, 1), 1, 256);
             Tensor hw = Tensor.of(normal(8, 256, 1), 1, 256);
             Tensor x = declining.upload(hx);
             Tensor w = declining.upload(hw);
             Tensor out = declining.allocate(DType.F32, 1, 1)) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> declining.matmul(out, x, w));
            assertTrue(e.getMessage().contains("MATMUL"), e.getMessage());
        }
    }
}
