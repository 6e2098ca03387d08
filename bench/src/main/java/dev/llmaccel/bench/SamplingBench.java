package dev.llmaccel.bench;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.tensor.Tensor;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One sampling step over a Llama-3 vocabulary (128256 logits) on the CPU backend, in µs per
 * token: greedy, top-k 40 and top-p 0.9 (temperature 0.8 for both), with a repetition penalty
 * over 64 recent tokens. The logits are N(0, 3) draws, a flatter distribution than a trained
 * model's (which makes top-p keep more candidates); each call takes a new uniform draw. Sampling
 * runs on the calling thread; "threads" sets the kernels' pool, to show it does not matter.
 * Run: {@code java -jar bench/target/benchmarks.jar SamplingBench}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SamplingBench {
    static final int VOCAB = 128_256;

    @Param({"greedy", "topk40", "topp0.9"})
    public String mode;

    @Param({"1", "2"})
    public int threads;

    Backend backend;
    Tensor logits;  // (VOCAB)
    SamplingParams params;
    int[] recent;
    Random draws;

    @Setup
    public void setup() {
        backend = Backends.cpu();
        CpuBackend.setThreads(threads);
        Random r = new Random(7);
        float[] x = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            x[i] = (float) (3 * r.nextGaussian());
        }
        logits = Tensor.of(x, VOCAB);
        recent = r.ints(64, 0, VOCAB).toArray();
        SamplingParams base = switch (mode) {
            case "greedy" -> SamplingParams.greedy();
            case "topk40" -> SamplingParams.ofTemperature(0.8f).withTopK(40);
            case "topp0.9" -> SamplingParams.ofTemperature(0.8f).withTopP(0.9f);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
        params = base.withPenalties(1.1f, 0f, 0f);
        draws = new Random(8);
    }

    @TearDown
    public void tearDown() {
        logits.close();
        backend.close();
    }

    @Benchmark
    public int sample() {
        return backend.sample(logits, params, recent, draws.nextDouble());
    }
}
