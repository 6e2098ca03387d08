package dev.llmaccel.bench;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.serving.CompletionRequest;
import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.EngineConfig;
import dev.llmaccel.serving.EngineStats;
import dev.llmaccel.serving.RequestHandle;
import dev.llmaccel.serving.TokenListener;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The serving engine under load, in the shape of llama.cpp's {@code llama-batched-bench}: N
 * requests at once (N = 1, 2, 4, ... 64), each a distinct random prompt of {@code prompt} tokens
 * and exactly {@code gen} generated tokens (the end token banned), all submitted together. Per N
 * it prints the aggregate generated tokens/s from the first submission to the last token, the
 * generation-phase tokens/s (tokens after the last request's first token over the time from then
 * to the end: what batched-bench's S_TG measures), and per-request latency percentiles: time to
 * first token (p50, p90, p99 over the N requests) and inter-token time (p50, p90, p99 over all
 * N × (gen - 1) gaps). Each N runs {@code passes} times after a warm-up pass of N requests with
 * {@code warmup} generated tokens (so that the JIT has compiled the step's code); each pass prints
 * a row, then a row of the medians of each column over the passes (the host is shared: one
 * disturbed pass moves a median less than a mean or a best).
 *
 * <p>The model files are {@link BenchModels}' random GGUFs, in {@code -Dllmaccel.bench.dir} (default
 * {@code $TMPDIR/llmaccel-bench}); each table's heading names its file, so that llama.cpp's
 * {@code llama-batched-bench -m FILE -npp 128 -ntg 128 -npl 1,2,4,...} runs on the same one.
 * {@code write=true} only writes the files (if absent) and prints their paths; {@code profile=true}
 * also prints, per N, where the passes' time went (kernel time per op, see {@link DecodeProfile}).
 *
 * <p>{@code java -cp bench/target/benchmarks.jar dev.llmaccel.bench.ServingBench [shape=smollm2-135m,llama-3.2-1b]
 * [type=Q8_0,Q4_0] [n=1,2,4,8,16,32,64] [prompt=128] [gen=128] [threads=2] [passes=2] [warmup=16] [write=false]
 * [profile=false]}
 */
public final class ServingBench {
    private ServingBench() {}

    /** What one pass measured. */
    record Pass(int n, double aggregate, double generation, double[] ttft, double[] itl, EngineStats stats) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> p = new HashMap<>(Map.of("shape", "smollm2-135m,llama-3.2-1b", "type", "Q8_0,Q4_0",
                "n", "1,2,4,8,16,32,64", "prompt", "128", "gen", "128", "threads", "2", "passes", "2", "warmup", "16",
                "write", "false", "profile", "false"));
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2 || !p.containsKey(kv[0])) {
                throw new IllegalArgumentException("arguments are " + p.keySet() + " as key=value, got " + a);
            }
            p.put(kv[0], kv[1]);
        }
        int prompt = Integer.parseInt(p.get("prompt"));
        int gen = Integer.parseInt(p.get("gen"));
        int passes = Integer.parseInt(p.get("passes"));
        int warmup = Math.max(1, Integer.parseInt(p.get("warmup")));
        OpTimer timer = Boolean.parseBoolean(p.get("profile")) ? new OpTimer() : null;
        if (Boolean.parseBoolean(p.get("write"))) {
            for (String shape : p.get("shape").split(",")) {
                for (String type : p.get("type").split(",")) {
                    System.out.println(BenchModels.file(shape, DType.valueOf(type)));
                }
            }
            return;
        }
        CpuBackend.setThreads(Integer.parseInt(p.get("threads")));
        int[] ns = Arrays.stream(p.get("n").split(",")).mapToInt(Integer::parseInt).toArray();
        System.out.println("# " + ZonedDateTime.now() + ", " + DecodeReport.cpuModel() + ", "
                + Runtime.getRuntime().availableProcessors() + " cpus, " + CpuBackend.describe());
        System.out.printf(Locale.ROOT, "# quiet probe: the same busy loop on 2 threads took %.2fx its time on 1 (1.0 = both cores free)%n",
                DecodeReport.busyProbe());
        for (String shape : p.get("shape").split(",")) {
            for (String type : p.get("type").split(",")) {
                Path file = BenchModels.file(shape, DType.valueOf(type));
                try (Backend backend = Backends.cpu(); GgufFile gguf = GgufFile.open(file);
                     LlamaModel model = LlamaModel.fromGguf(gguf, backend)) {
                    Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
                    backend.setOpListener(timer);  // only the engine's scheduler thread runs ops
                    System.out.printf(Locale.ROOT, "%n## %s %s (%s), prompt %d, generated %d, %d threads%n", shape, type,
                            file, prompt, gen, CpuBackend.threads());
                    System.out.println("| N | pass | aggregate tok/s | generation tok/s | TTFT p50 ms | TTFT p90 ms | TTFT p99 ms"
                            + " | ITL p50 ms | ITL p90 ms | ITL p99 ms | steps | tokens/step |");
                    System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
                    for (int n : ns) {
                        EngineConfig config = EngineConfig.defaults().withMaxRunningSequences(Math.max(n, 1))
                                .withMaxQueuedRequests(Math.max(n, 1)).withKvCacheTokens(n * (prompt + gen + 16))
                                .withContextSize(prompt + gen + 16).withStepTokens(Math.max(512, n))
                                .withPrefixCaching(false);
                        try (Engine engine = Engine.start(model, tokenizer, null, config)) {
                            run(engine, n, prompt, Math.min(gen, warmup), new Random(-n));  // warm-up: the JIT compiles the step's code
                            double[][] rows = new double[passes][];
                            if (timer != null) {
                                timer.reset();
                            }
                            long t0 = System.nanoTime();
                            for (int i = 0; i < passes; i++) {
                                rows[i] = columns(run(engine, n, prompt, gen, new Random(31L * n + i)));
                                print("pass " + (i + 1), rows[i]);
                            }
                            print("median", medians(rows));
                            if (timer != null) {
                                System.out.println("profile, N = " + n + ", per generated token (prefill included):");
                                DecodeProfile.print(timer.totals(), System.nanoTime() - t0, (long) passes * n * gen);
                            }
                        }
                    }
                }
            }
        }
    }

    /** One pass: n requests submitted at once; returns the rates and latencies. */
    static Pass run(Engine engine, int n, int prompt, int gen, Random r) {
        int vocab = engine.tokenizer().vocabSize();
        SamplingParams greedy = SamplingParams.greedy().withLogitBias(Map.of(engine.tokenizer().eosId(), Float.NEGATIVE_INFINITY));
        GenerationOptions options = GenerationOptions.greedy(gen).withSampling(greedy);
        long[][] times = new long[n][gen];
        int[] counts = new int[n];
        EngineStats before = engine.stats();
        List<RequestHandle> handles = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int id = i;
            int[] tokens = r.ints(prompt, 3, vocab).toArray();
            handles.add(engine.submit(CompletionRequest.ofTokens(tokens, options), new TokenListener() {
                @Override
                public void onToken(int token, String text) {
                    if (token >= 0) {
                        times[id][counts[id]++] = System.nanoTime();
                    }
                }
            }));
        }
        handles.forEach(RequestHandle::join);
        long end = 0;
        long lastFirst = 0;
        for (int i = 0; i < n; i++) {
            end = Math.max(end, times[i][gen - 1]);
            lastFirst = Math.max(lastFirst, times[i][0]);
        }
        int after = 0;
        double[] ttft = new double[n];
        double[] itl = new double[n * (gen - 1)];
        for (int i = 0; i < n; i++) {
            ttft[i] = (times[i][0] - start) / 1e6;
            for (int t = 0; t < gen; t++) {
                if (times[i][t] > lastFirst) {
                    after++;
                }
                if (t > 0) {
                    itl[i * (gen - 1) + t - 1] = (times[i][t] - times[i][t - 1]) / 1e6;
                }
            }
        }
        EngineStats s = engine.stats();
        EngineStats delta = new EngineStats(0, 0, s.blocksTotal(), s.blocksFree(), s.blocksCached(), s.blockSize(),
                s.submitted() - before.submitted(), s.completed() - before.completed(), 0, 0, 0, 0, 0,
                s.generatedTokens() - before.generatedTokens(), s.preemptions() - before.preemptions(),
                s.steps() - before.steps(), s.stepNanos() - before.stepNanos());
        double generation = n == 1 && gen > 1 ? (gen - 1) * 1e9 / (end - lastFirst) : after * 1e9 / Math.max(1, end - lastFirst);
        return new Pass(n, (double) n * gen * 1e9 / (end - start), generation, ttft, itl, delta);
    }

    /** A pass's table row: n, the two rates, TTFT p50/p90/p99, ITL p50/p90/p99, steps, tokens per step. */
    static double[] columns(Pass p) {
        Arrays.sort(p.ttft());
        Arrays.sort(p.itl());
        return new double[] {p.n(), p.aggregate(), p.generation(), pct(p.ttft(), 50), pct(p.ttft(), 90), pct(p.ttft(), 99),
            pct(p.itl(), 50), pct(p.itl(), 90), pct(p.itl(), 99), p.stats().steps(),
            (double) p.stats().generatedTokens() / Math.max(1, p.stats().steps())};
    }

    /** Each column's median over the rows (the mean of the middle two for an even count). */
    static double[] medians(double[][] rows) {
        double[] m = new double[rows[0].length];
        for (int c = 0; c < m.length; c++) {
            double[] col = new double[rows.length];
            for (int r = 0; r < rows.length; r++) {
                col[r] = rows[r][c];
            }
            Arrays.sort(col);
            m[c] = (col[(col.length - 1) / 2] + col[col.length / 2]) / 2;
        }
        return m;
    }

    static void print(String label, double[] c) {
        System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f | %.0f | %.1f |%n",
                (int) c[0], label, c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]);
    }

    private static double pct(double[] sorted, int q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q / 100.0 * sorted.length) - 1)];
    }
}
