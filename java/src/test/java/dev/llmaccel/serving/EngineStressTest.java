package dev.llmaccel.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.binding.cpu.CpuRuntime;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.StopReason;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.tensor.DType;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of short requests from many threads, a fifth of them cancelled at random moments
 * (before admission, mid-prompt, mid-generation), on a cache small enough to preempt: every request
 * ends (completed or cancelled, none lost or failed), the block pool is whole again, and once the
 * engine is closed the native memory is back where it started.
 */
class EngineStressTest {
    private static final int REQUESTS = 3000;
    private static final int THREADS = 12;
    private static final LlamaConfig SHAPE = new LlamaConfig("llama", 32, 64, 2, 2, 1, 16, 272, 64, 1e-5f,
            RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true);

    @TempDir
    Path dir;

    @Test
    void everyRequestEndsAndEverythingComesBack() throws Exception {
        try (Backend cpu = Backends.cpu(); TinyModel model = TinyModel.random(dir, SHAPE, DType.Q8_0, cpu)) {
            long nativeBefore = CpuRuntime.llm_host_bytes_in_use();
            EngineConfig config = EngineConfig.defaults().withMaxRunningSequences(24).withMaxQueuedRequests(REQUESTS)
                    .withKvCacheTokens(384).withBlockSize(4).withStepTokens(64).withContextSize(64);
            Engine engine = model.engine(config);
            ConcurrentLinkedQueue<RequestHandle> handles = new ConcurrentLinkedQueue<>();
            AtomicInteger cancelled = new AtomicInteger();
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> work = new java.util.ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int id = t;
                    work.add(threads.submit(() -> {
                        Random r = new Random(id);
                        for (int i = id; i < REQUESTS; i += THREADS) {
                            int[] prompt = r.ints(1 + r.nextInt(12), 3, 272).toArray();
                            GenerationOptions options = GenerationOptions.greedy(1 + r.nextInt(8)).withSeed(i);
                            RequestHandle h = engine.submit(CompletionRequest.ofTokens(prompt, options));
                            handles.add(h);
                            if (r.nextInt(5) == 0) {
                                if (r.nextBoolean()) {
                                    Thread.sleep(r.nextInt(3));
                                }
                                h.cancel();
                                cancelled.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                threads.shutdown();
            }
            int completed = 0;
            int endedCancelled = 0;
            for (RequestHandle h : handles) {
                Completion c;
                try {
                    c = h.future().get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    fail("request " + h.id() + " did not end normally: " + e);
                    return;
                }
                if (c.stopReason() == StopReason.CANCELLED) {
                    endedCancelled++;
                } else {
                    completed++;
                    assertTrue(c.tokens().length >= 1 || c.stopReason() == StopReason.END_OF_GENERATION, c.toString());
                }
            }
            assertEquals(REQUESTS, handles.size());
            assertEquals(REQUESTS, completed + endedCancelled);
            assertTrue(endedCancelled <= cancelled.get(), "only cancelled requests end cancelled");
            EngineTest.awaitIdle(engine);
            EngineStats s = engine.stats();
            assertEquals(REQUESTS, s.submitted());
            assertEquals(completed, s.completed());
            assertEquals(endedCancelled, s.cancelled());
            assertEquals(0, s.failed());
            assertEquals(s.blocksTotal(), s.blocksFree(), "the pool is whole again: " + s);
            engine.close();
            assertEquals(nativeBefore, CpuRuntime.llm_host_bytes_in_use(), "native memory is back where it started");
        }
    }
}
