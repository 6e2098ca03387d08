package dev.llmaccel.bench;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.tensor.DType;
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
 * Decode's matmul: one activation row (n = 1) times a k × m weight matrix of each type, through
 * {@code CpuBackend.matmul}, in GB/s of weight bytes (the {@code gigabytes} line). A decoder's
 * weights do not fit in any cache, so the weights rotate over copies that fill 512 MiB and every
 * call streams them from memory; hold the figure against {@link ReadBandwidthBench} at the same
 * thread count, run in the same invocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class GemvBench {
    @Param({"1", "2"})
    public int threads;

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public DType dtype;

    /** Input width (columns of the weights). */
    @Param({"4096"})
    public int k;

    /** Output width (rows of the weights). */
    @Param({"4096"})
    public int m;

    private Backend backend;
    private Tensor[] weights;
    private Tensor x;
    private Tensor out;
    private int next;
    private double gigabytesPerCall;

    @Setup
    public void setUp() {
        CpuBackend.setThreads(threads);
        backend = Backends.cpu();
        Random r = new Random(1);
        float[] w = new float[k * m];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.05);
        }
        try (Tensor first = Tensor.of(dtype, w, m, k)) {
            byte[] raw = first.toBytes();
            int copies = (int) Math.max(2, ReadBandwidthBench.POOL_BYTES / raw.length);
            weights = new Tensor[copies];
            for (int c = 0; c < copies; c++) {
                weights[c] = Tensor.ofBytes(dtype, raw, m, k);
            }
            gigabytesPerCall = raw.length * 1e-9;
        }
        float[] xs = new float[k];
        for (int i = 0; i < k; i++) {
            xs[i] = (float) r.nextGaussian();
        }
        x = Tensor.of(xs, 1, k);
        out = Tensor.zeros(DType.F32, 1, m);
    }

    @TearDown
    public void tearDown() {
        for (Tensor t : weights) {
            t.close();
        }
        x.close();
        out.close();
        backend.close();
    }

    @Benchmark
    public void gemv(WeightBytes bytes) {
        backend.matmul(out, x, weights[next]);
        next = (next + 1) % weights.length;
        bytes.gigabytes += gigabytesPerCall;
    }
}
