package dev.llmaccel.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llmaccel.BadInput;
import dev.llmaccel.attention.Attention;
import dev.llmaccel.attention.AttentionConfig;
import dev.llmaccel.attention.KvCache;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.binding.cpu.CpuRuntime;
import org.junit.jupiter.api.Test;

/**
 * Native memory comes back: a thousand rounds of creating and closing tensors, views and KV
 * caches leave the native allocator's count where it started (CpuRuntime.llm_host_bytes_in_use);
 * closing twice is harmless, and every use after close throws.
 */
class NativeMemoryTest {
    private static final int ROUNDS = 1000;

    @Test
    void tensorsAndViewsGiveTheirMemoryBack() {
        long start = CpuRuntime.llm_host_bytes_in_use();
        for (int i = 0; i < ROUNDS; i++) {
            DType type = DType.values()[i % DType.values().length];
            Tensor t = Tensor.zeros(type, 3, 256 + 256 * (i % 3));
            Tensor view = t.view(t.elements());
            Tensor rows = t.rows(1, 2);
            Tensor values = Tensor.of(new float[] {i, -i, 0.5f}, 3);
            Tensor copy = values.to(DType.F16);
            assertEquals(start + t.bytes() + values.bytes() + copy.bytes(), CpuRuntime.llm_host_bytes_in_use(),
                    "views own no memory");
            values.close();
            rows.close();
            view.close();
            t.close();
            t.close();  // idempotent
            copy.close();
            assertFalse(t.isOpen());
            assertThrows(IllegalStateException.class, t::toFloatArray);
            assertThrows(IllegalStateException.class, rows::toBytes);
            assertEquals(start, CpuRuntime.llm_host_bytes_in_use(), "round " + i);
        }
        BadInput.assertStillWorks();
    }

    @Test
    void kvCachesGiveTheirMemoryBack() {
        long start = CpuRuntime.llm_host_bytes_in_use();
        try (Backend backend = Backends.cpu()) {
            Attention attention = new Attention(backend, AttentionConfig.causal(4, 2, 16));
            try (Tensor q = Tensor.zeros(DType.F32, 2, 4, 16);
                 Tensor k = Tensor.zeros(DType.F32, 2, 2, 16);
                 Tensor out = Tensor.zeros(DType.F32, 2, 4, 16)) {
                long withInputs = CpuRuntime.llm_host_bytes_in_use();
                for (int i = 0; i < ROUNDS; i++) {
                    KvCache cache = attention.newCache(3, 1, 8);
                    attention.forward(out, q, k, k, cache, i % 3);
                    cache.close();
                    cache.close();  // idempotent
                    assertThrows(IllegalStateException.class, () -> cache.keys(0));
                    assertThrows(IllegalStateException.class, () -> attention.forward(out, q, k, k, cache, 0));
                    assertEquals(withInputs, CpuRuntime.llm_host_bytes_in_use(), "round " + i);
                }
            }
        }
        assertEquals(start, CpuRuntime.llm_host_bytes_in_use());
    }

    @Test
    void failedAllocationsLeaveNothingBehind() {
        long start = CpuRuntime.llm_host_bytes_in_use();
        for (int i = 0; i < ROUNDS; i++) {
            assertThrows(OutOfMemoryError.class, () -> Tensor.zeros(DType.F32, 1L << 24, 1L << 24));
        }
        assertEquals(start, CpuRuntime.llm_host_bytes_in_use());
        BadInput.assertStillWorks();
    }
}
