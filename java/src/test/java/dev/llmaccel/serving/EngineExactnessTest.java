package dev.llmaccel.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.generation.Continuation;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.model.llama.LlamaBatchRunner;
import dev.llmaccel.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * N requests at once (N = 1, 4, 16, 64) with mixed prompt lengths (some sharing a system prompt),
 * submitted from several threads at random moments, each get exactly the tokens they get alone:
 * greedy ones and seeded sampled ones, with chunked prefill, prefix reuse, and (in the small-pool
 * case) preemption and recomputation along the way. On random-weight models of three weight
 * types and on aidreams260K.
 */
class EngineExactnessTest {
    private static final int[] CONCURRENCY = {1, 4, 16, 64};

    @TempDir
    static Path dir;
    static Backend cpu;

    @BeforeAll
    static void open() {
        cpu = Backends.cpu();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** A request of the mix: prompt, options. */
    record Job(int[] prompt, GenerationOptions options) {}

    /** n requests: prompts of 1 to 60 tokens, a third starting with one shared 20-token system prompt, a quarter sampled. */
    static List<Job> jobs(int n, int vocab, int eos, int maxTokens, long seed) {
        Random r = new Random(seed);
        int[] system = r.ints(20, 3, vocab).toArray();
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int length = 1 + r.nextInt(60);
            int[] prompt = r.ints(length, 3, vocab).toArray();
            if (i % 3 == 0 && length > system.length) {
                System.arraycopy(system, 0, prompt, 0, system.length);
            }
            SamplingParams sampling = i % 4 == 3 ? SamplingParams.ofTemperature(0.9f).withTopK(40).withTopP(0.95f)
                    : SamplingParams.greedy();
            if (eos >= 0 && i % 2 == 0) {
                sampling = sampling.withLogitBias(Map.of(eos, Float.NEGATIVE_INFINITY));  // half of them run to the limit
            }
            jobs.add(new Job(prompt, GenerationOptions.greedy(4 + r.nextInt(maxTokens - 3)).withSampling(sampling)
                    .withSeed(1000 + i)));
        }
        return jobs;
    }

    /** Every job alone, one after the other. */
    static List<int[]> alone(Engine engine, List<Job> jobs) {
        List<int[]> out = new ArrayList<>();
        for (Job j : jobs) {
            out.add(engine.submit(CompletionRequest.ofTokens(j.prompt(), j.options())).join().tokens());
        }
        return out;
    }

    /** All jobs at once: 8 threads submit them in a shuffled order with random pauses. */
    static List<int[]> together(Engine engine, List<Job> jobs, long seed) throws Exception {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new Random(seed));
        RequestHandle[] handles = new RequestHandle[jobs.size()];
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> submitted = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int first = t;
                submitted.add(threads.submit(() -> {
                    Random r = new Random(seed + first);
                    for (int k = first; k < order.size(); k += 8) {
                        int i = order.get(k);
                        handles[i] = engine.submit(CompletionRequest.ofTokens(jobs.get(i).prompt(), jobs.get(i).options()));
                        Thread.sleep(r.nextInt(4));
                    }
                    return null;
                }));
            }
            for (Future<?> f : submitted) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdown();
        }
        List<int[]> out = new ArrayList<>();
        for (RequestHandle h : handles) {
            out.add(h.join().tokens());
        }
        return out;
    }

    /** Runs the jobs of every N alone and together. */
    static void check(TinyModel model, EngineConfig config, int maxTokens, long seed) throws Exception {
        int eos = model.tokenizer.eosId();
        for (int n : CONCURRENCY) {
            List<Job> jobs = jobs(n, model.tokenizer.vocabSize(), eos, maxTokens, seed + n);
            List<int[]> expected;
            try (Engine engine = model.engine(config.withMaxRunningSequences(1).withPrefixCaching(false))) {
                expected = alone(engine, jobs);
            }
            try (Engine engine = model.engine(config)) {
                List<int[]> actual = together(engine, jobs, seed * 31 + n);
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(expected.get(i), actual.get(i), "N=" + n + ", request " + i + " (prompt of "
                            + jobs.get(i).prompt().length + ", " + jobs.get(i).options().sampling() + ")");
                }
                EngineStats s = engine.stats();
                assertEquals(n, s.completed(), s.toString());
                if (n >= 16) {
                    assertTrue(s.steps() < s.generatedTokens(), "requests were batched: " + s);
                }
            }
        }
    }

    /** What {@link #queuedAtOnce} gives: each job's completion, the preemptions, and the pool's free blocks at the end. */
    record Scheduled(List<Completion> completions, long preemptions, int blocksFree, int blocksTotal) {
        int[] tokens(int job) {
            return completions.get(job).tokens();
        }
    }

    /**
     * Every job queued before the first step, and the scheduler driven on this thread until idle:
     * the same schedule on every run, whatever the machine's speed (the engine's own thread admits
     * requests as they arrive, so how many run at once there depends on timing).
     */
    static Scheduled queuedAtOnce(TinyModel model, EngineConfig config, List<Job> jobs) {
        int contextSize = Math.min(config.contextSize(), model.model.config().contextLength());
        int blocks = config.kvCacheTokens() / config.blockSize();
        try (LlamaBatchRunner runner = model.model.newBatchRunner(blocks, config.blockSize(), config.stepTokens(),
                config.maxRunningSequences())) {
            BlockPool pool = new BlockPool(blocks, config.blockSize(), config.prefixCaching());
            Scheduler scheduler = new Scheduler(runner, pool, config, contextSize, s -> {});
            List<CompletableFuture<Completion>> results = new ArrayList<>();
            for (int i = 0; i < jobs.size(); i++) {
                int[] prompt = jobs.get(i).prompt();
                Continuation continuation = new Continuation(model.tokenizer, model.model.backend(),
                        model.model.config().vocabSize(), prompt, jobs.get(i).options(), null,
                        contextSize - prompt.length + 1);
                CompletableFuture<Completion> result = new CompletableFuture<>();
                results.add(result);
                scheduler.enqueue(new Sequence(i, prompt, continuation, new Delivery(null, result, Runnable::run, () -> {}),
                        new AtomicBoolean(), System.nanoTime()));
            }
            while (!scheduler.idle()) {
                scheduler.step();
            }
            List<Completion> completions = new ArrayList<>();
            for (CompletableFuture<Completion> r : results) {
                completions.add(r.join());
            }
            return new Scheduled(completions, scheduler.preemptions, pool.free(), blocks);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "Q8_0", "Q4_0"})
    void randomWeightsGiveEveryRequestItsTokensAlone(String type) throws Exception {
        DType t = DType.valueOf(type);
        Assumptions.assumeTrue(t != DType.F32 || CpuBackend.simdLevel().equals("avx512"),
                "F32 weights are batch-invariant at the AVX-512 level only (below it OpenBLAS sums per batch size)");
        try (TinyModel model = TinyModel.random(dir, t, cpu)) {
            check(model, EngineConfig.defaults().withMaxRunningSequences(32).withKvCacheTokens(8192).withBlockSize(8)
                    .withStepTokens(48).withContextSize(256), 24, 7);
        }
    }

    @Test
    void aSmallPoolPreemptsAndStillGivesEveryRequestItsTokensAlone() throws Exception {
        try (TinyModel model = TinyModel.random(dir, DType.Q8_0, cpu)) {
            // 64 blocks of 4: about three sequences' worth
            EngineConfig config = EngineConfig.defaults().withMaxRunningSequences(16).withKvCacheTokens(256)
                    .withBlockSize(4).withStepTokens(32).withContextSize(128);
            check(model, config, 24, 8);  // requests arriving at random moments: preempted or not, as timing has it
            // all 64 waiting before the first step: the pool runs dry, on every run
            List<Job> jobs = jobs(64, model.tokenizer.vocabSize(), model.tokenizer.eosId(), 24, 8 + 64);
            List<int[]> expected;
            try (Engine engine = model.engine(config.withMaxRunningSequences(1).withPrefixCaching(false))) {
                expected = alone(engine, jobs);
            }
            Scheduled together = queuedAtOnce(model, config, jobs);
            assertTrue(together.preemptions() > 0, "the pool ran dry: " + together.preemptions() + " preemptions");
            for (int i = 0; i < jobs.size(); i++) {
                assertArrayEquals(expected.get(i), together.tokens(i), "request " + i + " (prompt of "
                        + jobs.get(i).prompt().length + ", " + jobs.get(i).options().sampling() + ")");
            }
            assertEquals(together.blocksTotal(), together.blocksFree(), "every block is back in the pool");
        }
    }

    @Test
    void aidreams260KGivesEveryRequestItsTokensAlone() throws Exception {
        Assumptions.assumeTrue(CpuBackend.simdLevel().equals("avx512"),
                "aidreams260K is F32: batch-invariant at the AVX-512 level only");
        try (TinyModel model = TinyModel.aidreams(cpu)) {
            check(model, EngineConfig.defaults().withMaxRunningSequences(32).withKvCacheTokens(4096).withBlockSize(16)
                    .withStepTokens(64).withContextSize(128), 40, 9);
        }
    }
}
