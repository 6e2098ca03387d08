package dev.llmaccel.attention;

import static dev.llmaccel.BadInput.rejects;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.MemoryLimitException;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** AttentionConfig, Attention and KvCache given bad input: clear exceptions, the cache unharmed. */
class AttentionBadInputTest {
    private Backend backend;
    private Attention attention;  // 4 query heads over 2 KV heads of 8

    @BeforeEach
    void open() {
        backend = Backends.cpu();
        attention = new Attention(backend, AttentionConfig.causal(4, 2, 8));
    }

    @AfterEach
    void close() {
        backend.close();
    }

    private static Tensor f32(long... shape) {
        return Tensor.zeros(DType.F32, shape);
    }

    @Test
    void configRejectsBadShapes() {
        rejects(IllegalArgumentException.class, () -> new AttentionConfig(0, 1, 8, true, 0, 1f), "positive");
        rejects(IllegalArgumentException.class, () -> new AttentionConfig(4, 0, 8, true, 0, 1f), "positive");
        rejects(IllegalArgumentException.class, () -> new AttentionConfig(4, 2, -8, true, 0, 1f), "positive");
        rejects(IllegalArgumentException.class, () -> AttentionConfig.causal(6, 4, 8), "not divisible by 4");
        rejects(IllegalArgumentException.class, () -> AttentionConfig.causal(4, 2, 8).withWindow(-1), "window");
        rejects(IllegalArgumentException.class, () -> new AttentionConfig(4, 2, 8, true, 0, 0f), "scale");
        rejects(IllegalArgumentException.class, () -> new AttentionConfig(4, 2, 8, true, 0, Float.NaN), "scale");
        rejects(NullPointerException.class, () -> new Attention(null, AttentionConfig.causal(4, 2, 8)), "backend");
        rejects(NullPointerException.class, () -> new Attention(backend, null), "config");
    }

    @Test
    void newCacheRejectsBadSizes() {
        rejects(IllegalArgumentException.class, () -> attention.newCache(0, 1, 16), "positive");
        rejects(IllegalArgumentException.class, () -> attention.newCache(2, -1, 16), "positive");
        rejects(IllegalArgumentException.class, () -> attention.newCache(2, 1, 0), "positive");
        long before = dev.llmaccel.binding.cpu.CpuRuntime.llm_host_bytes_in_use();
        // 2^52 bytes per layer: refused by its size before any allocation, and nothing stays allocated.
        rejects(MemoryLimitException.class, () -> new Attention(backend, AttentionConfig.causal(1 << 20, 1 << 20, 1 << 10))
                .newCache(2, 1, 1 << 20), "limit");
        assertEquals(before, dev.llmaccel.binding.cpu.CpuRuntime.llm_host_bytes_in_use());
    }

    @Test
    void forwardRejectsWrongShapesAndTokenCounts() {
        try (KvCache cache = attention.newCache(2, 1, 8);
             Tensor q = f32(3, 4, 8);
             Tensor out = f32(3, 4, 8);
             Tensor k = f32(3, 2, 8);
             Tensor v = f32(3, 2, 8);
             Tensor k2 = f32(2, 2, 8);
             Tensor qHeads = f32(3, 2, 8);
             Tensor kDim = f32(3, 2, 4)) {
            rejects(IllegalArgumentException.class, () -> attention.forward(out, qHeads, k, v, cache, 0), "queries must be");
            rejects(IllegalArgumentException.class, () -> attention.forward(out, q, kDim, kDim, cache, 0), "keys must be");
            rejects(IllegalArgumentException.class, () -> attention.forward(out, q, k2, k2, cache, 0), "different token counts");
            rejects(IllegalArgumentException.class, () -> attention.forward(out, q, k, k2, cache, 0), "different token counts");
            rejects(NullPointerException.class, () -> attention.forward(out, q, k, v, null, 0), "cache");
            rejects(NullPointerException.class, () -> attention.forward(out, null, k, v, cache, 0), "q");
            rejects(IndexOutOfBoundsException.class, () -> attention.forward(out, q, k, v, cache, 2), "layer 2");
            rejects(IllegalArgumentException.class, () -> attention.forward(out, q, k, v, new int[2]), "mask");
            assertEquals(0, cache.length(0), "a refused call appends nothing");
        }
    }

    @Test
    void cacheRefusesOverflowWithoutOverwriting() {
        try (KvCache cache = attention.newCache(1, 1, 4);
             Tensor k = Tensor.of(ones(3 * 2 * 8), 3, 2, 8);
             Tensor q = f32(3, 4, 8);
             Tensor out = f32(3, 4, 8)) {
            attention.forward(out, q, k, k, cache, 0);
            float[] before = cache.keys(0).toFloatArray();
            rejects(IllegalStateException.class, () -> attention.forward(out, q, k, k, cache, 0), "KV cache full",
                    "holds 3 of 4", "3 more");
            assertEquals(3, cache.length(0));
            org.junit.jupiter.api.Assertions.assertArrayEquals(before, cache.keys(0).toFloatArray());
            rejects(IllegalArgumentException.class, () -> cache.truncate(-1), "negative length");
        }
    }

    @Test
    void appendChecksTypesAndShapes() {
        try (KvCache cache = attention.newCache(1, 2, 4);
             Tensor k = f32(2, 1, 2, 8);
             Tensor k3 = f32(1, 2, 8);
             Tensor half = Tensor.zeros(DType.F16, 2, 1, 2, 8);
             Tensor heads = f32(2, 1, 3, 8)) {
            rejects(IllegalArgumentException.class, () -> cache.append(0, k3, k3), "(2, n, 2, 8)");
            rejects(IllegalArgumentException.class, () -> cache.append(0, half, half), "must be F32");
            rejects(IllegalArgumentException.class, () -> cache.append(0, heads, heads), "(2, n, 2, 8)");
            rejects(NullPointerException.class, () -> cache.append(0, null, k), "keys");
            rejects(IndexOutOfBoundsException.class, () -> cache.append(-1, k, k), "layer -1");
            assertEquals(0, cache.append(0, k, k));
            assertEquals(1, cache.length(0));
        }
    }

    @Test
    void closedCacheThrowsOnEveryUse() {
        KvCache cache = attention.newCache(1, 1, 4);
        cache.close();
        cache.close();  // idempotent
        try (Tensor k = f32(1, 2, 8)) {
            rejects(IllegalStateException.class, () -> cache.append(0, k, k), "closed");
            rejects(IllegalStateException.class, () -> cache.keys(0), "closed");
            rejects(IllegalStateException.class, () -> cache.values(0), "closed");
            rejects(IllegalStateException.class, () -> cache.length(0), "closed");
            rejects(IllegalStateException.class, cache::clear, "closed");
            rejects(IllegalStateException.class, () -> cache.truncate(0), "closed");
            try (Tensor q = f32(1, 4, 8);
                 Tensor out = f32(1, 4, 8)) {
                rejects(IllegalStateException.class, () -> attention.forward(out, q, k, k, cache, 0), "closed");
            }
        }
    }

    private static float[] ones(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        return x;
    }
}
