package dev.llmaccel.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.OpCall;
import dev.llmaccel.backend.OpListener;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lifetimes across threads (issue 14 item 1): memory a native call is reading is never unmapped
 * under it, a closed model's sessions refuse to run, and a session used by two threads at once
 * says so. Each race is made certain by an op listener that holds one thread inside an op.
 */
class LivenessTest {
    @TempDir
    static Path dir;
    static Path file;

    @BeforeAll
    static void write() throws IOException {
        file = dir.resolve("live.gguf");
        RandomLlamaModel.write(file, new LlamaConfig("llama", 64, 96, 2, 4, 2, 16, 272, 64, 1e-5f,
                RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true), DType.F32, 11);
    }

    /** Holds the first op of the thread it is armed for until released. */
    static final class Gate implements OpListener {
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile Thread armed;

        @Override
        public void started(OpCall call) {
            if (Thread.currentThread() == armed) {
                armed = null;
                inside.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void finished(OpCall call, long nanos) {}
    }

    /** Runs body on a new thread, armed in gate; returns the thread and where its outcome goes. */
    static Thread start(Gate gate, AtomicReference<Throwable> outcome, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        gate.armed = t;
        t.start();
        return t;
    }

    @Test
    void closingTheFileWhileAForwardPassReadsItDefersTheUnmap() throws Exception {
        Gate gate = new Gate();
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        try (Backend cpu = Backends.cpu(); GgufFile gguf = GgufFile.open(file); LlamaModel model = LlamaModel.fromGguf(gguf, cpu);
             LlamaSession session = model.newSession(32); Tensor embedding = gguf.tensor("token_embd.weight")) {
            cpu.setOpListener(gate);
            Thread t = start(gate, outcome, () -> {
                session.forward(1, 2, 3);  // its first op, the embedding lookup, reads the mapped file
                session.forward(4);
            });
            assertTrue(gate.inside.await(30, TimeUnit.SECONDS));
            gguf.close();                  // the embedding lookup is in flight: the unmap must wait for it
            assertFalse(embedding.isOpen(), "closed at once for new calls");
            gate.release.countDown();
            t.join(30_000);
            assertTrue(outcome.get() instanceof IllegalStateException, String.valueOf(outcome.get()));
            assertTrue(outcome.get().getMessage().contains("closed"), outcome.get().getMessage());
            assertThrows(IllegalStateException.class, () -> session.forward(5));
        }
    }

    @Test
    void closingTheModelInvalidatesItsSessions() throws IOException {
        try (Backend cpu = Backends.cpu(); GgufFile gguf = GgufFile.open(file)) {
            LlamaModel model = LlamaModel.fromGguf(gguf, cpu);
            try (LlamaSession session = model.newSession(32)) {
                session.forward(1, 2);
                model.close();
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> session.forward(3));
                assertTrue(e.getMessage().contains("model is closed"), e.getMessage());
            }
        }
    }

    @Test
    void aSessionUsedByTwoThreadsAtOnceSaysSo() throws Exception {
        Gate gate = new Gate();
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        try (Backend cpu = Backends.cpu(); GgufFile gguf = GgufFile.open(file); LlamaModel model = LlamaModel.fromGguf(gguf, cpu);
             LlamaSession session = model.newSession(32)) {
            cpu.setOpListener(gate);
            Thread t = start(gate, outcome, () -> session.forward(1, 2, 3));
            assertTrue(gate.inside.await(30, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> session.forward(4));
            assertTrue(e.getMessage().contains("in use by another thread"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> session.truncate(0));
            gate.release.countDown();
            t.join(30_000);
            assertEquals(null, outcome.get());
            assertEquals(3, session.length(), "the other thread's pass completed untouched");
            session.forward(4);
            assertEquals(4, session.length());
        }
    }

    /**
     * The race itself, many times: a thread runs forward passes (most of their time in native
     * matmuls over the mapped weights) while the file is closed under it. Without the guard the
     * unmap lands inside a kernel now and then, and the JVM dies of SIGSEGV; with it, the passes
     * in flight finish and the next call throws.
     */
    @Test
    void closingTheFileUnderRunningPassesNeverCrashes() throws Exception {
        Path wide = dir.resolve("wide.gguf");
        RandomLlamaModel.write(wide, new LlamaConfig("llama", 256, 768, 4, 8, 8, 32, 272, 64, 1e-5f,
                RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true), DType.F32, 12);
        int[] prompt = new int[48];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = (i * 37) % 272;
        }
        try (Backend cpu = Backends.cpu()) {
            for (int round = 0; round < 20; round++) {
                AtomicReference<Throwable> outcome = new AtomicReference<>();
                GgufFile gguf = GgufFile.open(wide);
                try (LlamaModel model = LlamaModel.fromGguf(gguf, cpu); LlamaSession session = model.newSession(64)) {
                    CountDownLatch running = new CountDownLatch(1);
                    Thread t = new Thread(() -> {
                        try {
                            while (true) {
                                session.forward(prompt);
                                running.countDown();
                                session.clear();
                            }
                        } catch (Throwable e) {
                            outcome.set(e);
                        }
                    });
                    t.start();
                    assertTrue(running.await(30, TimeUnit.SECONDS));
                    Thread.sleep(round % 5);
                    gguf.close();
                    t.join(30_000);
                    assertFalse(t.isAlive());
                    assertTrue(outcome.get() instanceof IllegalStateException, String.valueOf(outcome.get()));
                }
            }
        }
    }
}
