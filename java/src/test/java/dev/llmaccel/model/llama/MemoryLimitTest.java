package dev.llmaccel.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.attention.Attention;
import dev.llmaccel.attention.AttentionConfig;
import dev.llmaccel.attention.KvCache;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Caches and sessions are sized before anything is allocated, against a limit (issue 14 items 2
 * and 3): what exceeds it is an exception with the size and a hint, never an OutOfMemoryError or
 * a process the kernel kills. Nothing here allocates more than a few MB.
 */
class MemoryLimitTest {
    private static final String LIMIT = "llmaccel.memory.limit";

    @TempDir
    static Path dir;
    static Backend cpu;

    @BeforeAll
    static void backend() {
        cpu = Backends.cpu();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** Runs body with the limit property set, restoring it after. */
    static void withLimit(String limit, Runnable body) {
        String before = System.getProperty(LIMIT);
        System.setProperty(LIMIT, limit);
        try {
            body.run();
        } finally {
            if (before == null) {
                System.clearProperty(LIMIT);
            } else {
                System.setProperty(LIMIT, before);
            }
        }
    }

    @Test
    void aCacheAboveAConfiguredLimitIsRefusedBeforeAllocating() {
        Attention attention = new Attention(cpu, AttentionConfig.causal(4, 2, 16));
        withLimit("1m", () -> {
            // 2 x 4 layers x 4096 tokens x 32 floats = 4 MiB
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> attention.newCache(4, 1, 4096).close());
            assertTrue(e.getMessage().contains("needs 4.0 MiB, more than the 1.0 MiB limit (llmaccel.memory.limit = 1m)")
                    && e.getMessage().contains("smaller context"), e.getMessage());
            try (KvCache small = attention.newCache(1, 1, 512)) {  // 128 KiB fits
                assertEquals(512, small.capacity());
            }
        });
    }

    @Test
    void aCacheAboveTheAvailableMemoryIsRefused() {
        Attention attention = new Attention(cpu, AttentionConfig.causal(4, 2, 16));
        // 2 x 100000 layers x 100000 tokens x 32 floats = 2.3 TiB: more than this machine has
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> attention.newCache(100000, 1, 100000).close());
        assertTrue(e.getMessage().contains("needs 2.3 TiB"), e.getMessage());
        withLimit("none", () -> assertEquals(4, attention.newCache(4, 1, 16).layers()));
        withLimit("lots", () -> assertThrows(IllegalArgumentException.class, () -> attention.newCache(1, 1, 1)));
    }

    @Test
    void aSessionOfAHugeContextIsAnExceptionNotAnOutOfMemoryError() throws IOException {
        Path file = dir.resolve("huge-context.gguf");
        RandomLlamaModel.write(file, new LlamaConfig("llama", 64, 96, 2, 4, 2, 16, 272, Integer.MAX_VALUE, 1e-5f,
                RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true), DType.F32, 5);
        try (GgufFile gguf = GgufFile.open(file); LlamaModel model = LlamaModel.fromGguf(gguf, cpu)) {
            assertEquals(Integer.MAX_VALUE, model.config().contextLength());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> model.newSession(Integer.MAX_VALUE).close());
            assertTrue(e.getMessage().contains("a session of 2147483647 tokens"), e.getMessage());
            withLimit("1m", () -> {
                IllegalStateException small = assertThrows(IllegalStateException.class, () -> model.newSession(4096).close());
                assertTrue(small.getMessage().contains("use a smaller context size"), small.getMessage());
            });
            try (LlamaSession s = model.newSession(64)) {
                assertEquals(64, s.capacity());
            }
        }
    }
}
