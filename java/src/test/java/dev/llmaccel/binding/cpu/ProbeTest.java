package dev.llmaccel.binding.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The read-bandwidth probe loads every byte: its checksum is the sum of the buffer's 64-bit words. */
class ProbeTest {

    /** Sum of the little-endian 64-bit words of raw, then of its trailing bytes, modulo 2^64. */
    static long expectedSum(byte[] raw) {
        long sum = 0;
        int i = 0;
        for (; i + 8 <= raw.length; i += 8) {
            long word = 0;
            for (int b = 7; b >= 0; b--) {
                word = (word << 8) | (raw[i + b] & 0xff);
            }
            sum += word;
        }
        for (; i < raw.length; i++) {
            sum += raw[i] & 0xff;
        }
        return sum;
    }

    @ParameterizedTest
    @CsvSource({"1, 2", "1, 0", "2, 2", "2, 0"})
    void checksumCoversEveryByte(int threads, int simdLevel) {
        int previous = CpuRuntime.llm_threads_get();
        CpuRuntime.llm_threads_set(threads);
        CpuRuntime.llm_cpu_simd_limit(simdLevel);
        // sizes around the 128-byte unrolled loop, the 8-byte words and the 1 MiB chunks
        try {
            for (int bytes : new int[] {0, 1, 7, 8, 127, 128, 129, 1000, (1 << 20) + 9, 3 * (1 << 20) + 77}) {
                byte[] raw = new byte[bytes];
                new Random(bytes).nextBytes(raw);
                int floats = Math.max(1, (bytes + 3) / 4);  // an F32 tensor as the native buffer
                try (Tensor t = Tensor.ofBytes(DType.F32, java.util.Arrays.copyOf(raw, 4 * floats), floats)) {
                    long[] sum = new long[1];
                    assertEquals(0, CpuKernels.llm_probe_read(sum, t.address(), bytes));
                    assertEquals(expectedSum(raw), sum[0], bytes + " bytes");
                }
            }
        } finally {
            CpuRuntime.llm_cpu_simd_limit(2);
            CpuRuntime.llm_threads_set(previous);
        }
    }
}
