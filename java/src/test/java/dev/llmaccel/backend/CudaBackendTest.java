package dev.llmaccel.backend;

import static dev.llmaccel.backend.TestData.assertClose;
import static dev.llmaccel.backend.TestData.normal;
import static dev.llmaccel.backend.TestData.poisoned;
import static dev.llmaccel.backend.TestData.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.cuda.CudaBackend;
import dev.llmaccel.backend.cuda.GemmEngine;
import dev.llmaccel.backend.cuda.Precision;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * CudaBackend beyond the op suite: device tensors, lifecycle, bad inputs, running out of device
 * memory, the CPU fallback, both GEMM engines and the long-context decode path. Every test skips,
 * visibly, where no usable GPU is present.
 */
class CudaBackendTest {

    static CudaBackend cuda() {
        String missing = TestBackends.unavailableReason("cuda");
        Assumptions.assumeTrue(missing == null, () -> "cuda not available: " + missing);
        return (CudaBackend) Backends.named("cuda");
    }

    @Test
    void deviceTensorsRoundTripEveryType() {
        try (CudaBackend cuda = cuda()) {
            for (DType t : DType.values()) {
                try (Tensor host = Tensor.ofBytes(t, randomBytes(t, 4 * 256), 4, 256);
                     Tensor dev = cuda.upload(host);
                     Tensor back = cuda.download(dev);
                     Tensor row = dev.rows(2, 1);
                     Tensor hostRow = host.rows(2, 1)) {
                    assertEquals(Device.CUDA, dev.device());
                    assertEquals(Device.CPU, back.device());
                    assertArrayEquals(host.toBytes(), dev.toBytes(), t + " bytes through the device");
                    if (t.blockSize() == 1 || t.blockSize() == 32) {  // the Java decoder reads these
                        assertArrayEquals(host.toFloatArray(), dev.toFloatArray(), t + " values through the device");
                    }
                    assertArrayEquals(host.toBytes(), back.toBytes(), t + " download");
                    assertArrayEquals(hostRow.toBytes(), row.toBytes(), t + " row view");
                }
            }
            try (Tensor z = cuda.allocate(DType.F32, 3, 1000)) {
                for (float v : z.toFloatArray()) {
                    assertEquals(0f, v, "allocate gives zeros");
                }
                float[] data = normal(2, 3000, 1);
                z.copyFrom(data);
                assertArrayEquals(data, z.toFloatArray(), "copyFrom into device memory");
            }
        }
    }

    /** Random bytes in t's layout (for types the Java side cannot encode too). */
    static byte[] randomBytes(DType t, long elements) {
        byte[] b = new byte[Math.toIntExact(t.bytesFor(elements))];
        new java.util.Random(t.ordinal()).nextBytes(b);
        return b;
    }

    @Test
    void closingIsIdempotentAndUseAfterCloseThrows() {
        Tensor survivor;
        try (CudaBackend cuda = cuda()) {
            Tensor t = tensor(cuda, DType.F32, normal(3, 64, 1), 64);
            t.close();
            t.close();
            assertThrows(IllegalStateException.class, t::toFloatArray);
            survivor = tensor(cuda, DType.F32, normal(4, 64, 1), 64);
            cuda.close();
            cuda.close();
            try (Tensor out = cuda.allocate(DType.F32, 64)) {
                assertThrows(IllegalStateException.class, () -> cuda.gelu(out, survivor));
            }
        }
        assertArrayEquals(normal(4, 64, 1), survivor.toFloatArray(), "tensors outlive the backend that made them");
        survivor.close();
    }

    @Test
    void badInputsAreExceptionsAndTheBackendCarriesOn() {
        try (CudaBackend cuda = cuda();
             Tensor hostX = Tensor.of(normal(5, 4 * 64, 1), 4, 64);
             Tensor x = cuda.upload(hostX);
             Tensor w = tensor(cuda, DType.Q8_0, normal(6, 8 * 64, 1), 8, 64);
             Tensor out = poisoned(cuda, 4, 8)) {
            assertThrows(IllegalArgumentException.class, () -> cuda.matmul(out, hostX, w), "a host tensor");
            assertThrows(IllegalArgumentException.class, () -> cuda.matmul(out, w, x), "a quantized input");
            try (Tensor wrong = cuda.allocate(DType.F32, 4, 7)) {
                assertThrows(IllegalArgumentException.class, () -> cuda.matmul(wrong, x, w), "a wrong output shape");
            }
            try (Tensor table = cuda.allocate(DType.F32, 10, 64); Tensor rows = cuda.allocate(DType.F32, 1, 64)) {
                assertThrows(IndexOutOfBoundsException.class, () -> cuda.embedding(rows, table, new int[] {10}));
            }
            Tensor closed = cuda.allocate(DType.F32, 4, 64);
            closed.close();
            assertThrows(IllegalStateException.class, () -> cuda.gelu(closed, x));
            assertThrows(IllegalArgumentException.class,
                    () -> cuda.sample(x.view(256), SamplingParams.greedy(), new int[0], 1.0));
            assertThrows(IllegalArgumentException.class, () -> cuda.allocate(DType.F32, 1L << 40), "a dimension too large");
            assertThrows(IllegalArgumentException.class, () -> cuda.allocate(DType.Q8_0, 3, 16), "not whole blocks");
            cuda.matmul(out, x, w);
            try (Tensor ref = Tensor.zeros(DType.F32, 4, 8); Tensor hw = cuda.download(w)) {
                Backends.reference().matmul(ref, hostX, hw);
                assertClose(out.toFloatArray(), ref.toFloatArray(), 1e-5, "matmul after the rejected calls");
            }
        }
    }

    @Test
    void runningOutOfDeviceMemoryIsAClearExceptionAndTheMemoryComesBack() {
        try (CudaBackend cuda = cuda()) {
            long[] before = cuda.memoryInfo();
            long rows = (before[1] >> 22) + 256;  // rows of 4 MiB: a gigabyte more than the device holds
            NativeException e = assertThrows(NativeException.class, () -> cuda.allocate(DType.F32, rows, 1 << 20));
            assertEquals(CudaBackend.OUT_OF_MEMORY, e.status());
            assertTrue(e.getMessage().contains("out of memory"), e.getMessage());
            long[] after = cuda.memoryInfo();
            assertTrue(Math.abs(after[0] - before[0]) < (64L << 20),
                    "free device memory before " + before[0] + ", after " + after[0]);
            // and the device still computes
            try (Tensor x = tensor(cuda, DType.F32, normal(7, 1000, 2), 1000);
                 Tensor y = poisoned(cuda, 1000);
                 Tensor hx = Tensor.of(normal(7, 1000, 2), 1000);
                 Tensor hy = Tensor.zeros(DType.F32, 1000)) {
                cuda.gelu(y, x);
                Backends.reference().gelu(hy, hx);
                assertClose(y.toFloatArray(), hy.toFloatArray(), 1e-5, "gelu after running out of memory");
            }
        }
    }

    @Test
    void weightTypesWithoutKernelsRunOnTheCpu() {
        Backend cpu = Backends.cpu();
        try (CudaBackend cuda = cuda()) {
            for (DType t : new DType[] {DType.Q4_1, DType.Q5_0, DType.Q5_1}) {
                try (Tensor hx = Tensor.of(normal(8, 3 * 512, 1), 3, 512);
                     Tensor hw = Tensor.of(t, normal(9, 5 * 512, 1), 5, 512);
                     Tensor hout = Tensor.zeros(DType.F32, 3, 5);
                     Tensor x = cuda.upload(hx);
                     Tensor w = cuda.upload(hw);
                     Tensor out = poisoned(cuda, 3, 5)) {
                    cpu.matmul(hout, hx, hw);
                    cuda.matmul(out, x, w);
                    assertArrayEquals(hout.toFloatArray(), out.toFloatArray(), t + ": the CPU kernel's result");
                }
            }
        }
    }

    @Test
    void bothGemmEnginesAgreeWithTheReferenceAtBothPrecisions() {
        try (CudaBackend cuda = cuda()) {
            Backend reference = Backends.reference();
            List<GemmEngine> engines = CudaBackend.cublasAvailable() ? List.of(GemmEngine.OWN, GemmEngine.CUBLAS)
                    : List.of(GemmEngine.OWN);
            for (DType t : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
                long n = 67, k = 512, m = 200;
                try (Tensor hx = Tensor.of(normal(10, (int) (n * k), 1), n, k);
                     Tensor hw = Tensor.of(t, normal(11, (int) (m * k), 0.5), m, k);
                     Tensor ref = Tensor.zeros(DType.F32, n, m);
                     Tensor x = cuda.upload(hx);
                     Tensor w = cuda.upload(hw);
                     Tensor out = poisoned(cuda, n, m)) {
                    reference.matmul(ref, hx, hw);
                    for (Precision p : Precision.values()) {
                        // F32 precision keeps the op suite's bounds; BF16 rounds x for BF16 weights (about 2e-3)
                        double bound = t == DType.F32 ? 1e-5 : t == DType.F16 ? 2e-3 : t == DType.BF16
                                ? (p == Precision.F32 ? 2e-3 : 5e-3) : 1e-2;
                        cuda.precision(p);
                        for (GemmEngine engine : engines) {
                            cuda.gemmEngine(engine);
                            cuda.matmul(out, x, w);
                            assertClose(out.toFloatArray(), ref.toFloatArray(), bound, t + " with " + engine + ", " + p);
                        }
                    }
                }
            }
        }
    }

    @Test
    void longContextDecodeSplitsAndMerges() {
        Backend cpu = Backends.cpu();
        try (CudaBackend cuda = cuda()) {
            for (int kvLen : new int[] {40_000, 40_003}) {
                float[] out = OpSuiteTest.runAttention(cuda, 2, 1, 32, 8, 128, kvLen, kvLen + 5, true, 0, false);
                float[] expected = OpSuiteTest.runAttention(cpu, 2, 1, 32, 8, 128, kvLen, kvLen + 5, true, 0, false);
                assertClose(out, expected, 1e-5, "decode attention over " + kvLen + " keys");
            }
        }
    }

    @Test
    void bf16PrefillAttentionStaysCloseToTheReference() {
        Backend reference = Backends.reference();
        try (CudaBackend cuda = cuda()) {
            cuda.precision(Precision.BF16);
            // batch, nq, heads, kvHeads, head size, kv length, capacity, causal, window, masked
            int[][] cases = {{2, 37, 8, 2, 64, 50, 64, 1, 0, 0}, {1, 300, 4, 4, 128, 300, 310, 1, 0, 0},
                             {2, 13, 6, 3, 128, 77, 80, 0, 0, 1}, {1, 129, 16, 1, 64, 200, 200, 1, 17, 0},
                             {1, 5, 2, 1, 128, 5, 5, 1, 0, 0}, {1, 40, 4, 2, 48, 40, 40, 1, 0, 0}};
            for (int[] c : cases) {
                float[] out = OpSuiteTest.runAttention(cuda, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7] == 1, c[8],
                        c[9] == 1);
                float[] expected = OpSuiteTest.runAttention(reference, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7] == 1,
                        c[8], c[9] == 1);
                assertClose(out, expected, 1e-2, "BF16 prefill attention " + java.util.Arrays.toString(c));
            }
        }
    }

    @Test
    void theTimerMeasuresDeviceWork() {
        try (CudaBackend cuda = cuda();
             Tensor x = tensor(cuda, DType.F32, normal(12, 1 << 22, 1), 1 << 22);
             Tensor y = cuda.allocate(DType.F32, 1 << 22)) {
            float ms = cuda.time(() -> cuda.gelu(y, x));
            assertTrue(ms > 0 && ms < 10_000, "gelu of 4M values took " + ms + " ms");
        }
    }
}
