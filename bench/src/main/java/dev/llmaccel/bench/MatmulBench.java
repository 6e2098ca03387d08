package dev.llmaccel.bench;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * Prefill's matmul, out (n × m) = x (n × k) · Wᵀ with F32 weights: through our API
 * ({@code CpuBackend.matmul}: the library's pool, one single-threaded sgemm per thread) against
 * OpenBLAS's own sgemm called directly with the same thread count (through the bytedeco binding,
 * the same libopenblas). Both in GFLOP/s (the {@code gflop} line); run both in one invocation:
 * {@code java -jar bench/target/benchmarks.jar MatmulBench}. {@code ours} also takes the other
 * weight types (quantized prefill) with {@code -p dtype=Q4_0} and so on.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(1)
public class MatmulBench {

    /** Floating-point operations done, as a rate: GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
        }
    }

    /** The problem: sizes, thread count and random inputs. */
    @State(Scope.Benchmark)
    public static class Shape {
        @Param({"1", "2"})
        public int threads;

        @Param({"512"})
        public int n;

        @Param({"4096"})
        public int k;

        @Param({"4096"})
        public int m;

        /** Weight type of {@code ours} ({@code openblas} is always F32). */
        @Param({"F32"})
        public DType dtype;

        float[] x;
        float[] w;

        @Setup
        public void setUp() {
            Random r = new Random(1);
            x = new float[n * k];
            w = new float[m * k];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (r.nextGaussian() * 0.05);
            }
        }

        double gflopPerCall() {
            return 2.0 * n * k * m * 1e-9;
        }
    }

    /** Our side: tensors and the CPU backend. */
    @State(Scope.Benchmark)
    public static class Ours {
        Backend backend;
        Tensor x;
        Tensor w;
        Tensor out;

        @Setup
        public void setUp(Shape s) {
            CpuBackend.setThreads(s.threads);
            backend = Backends.cpu();
            x = Tensor.of(s.x, s.n, s.k);
            w = Tensor.of(s.dtype, s.w, s.m, s.k);
            out = Tensor.zeros(DType.F32, s.n, s.m);
        }

        @TearDown
        public void tearDown() {
            x.close();
            w.close();
            out.close();
            backend.close();
        }
    }

    /** OpenBLAS's side: its own buffers and its own threads. */
    @State(Scope.Benchmark)
    public static class OpenBlas {
        FloatPointer x;
        FloatPointer w;
        FloatPointer out;

        @Setup
        public void setUp(Shape s) {
            openblas_nolapack.blas_set_num_threads(s.threads);
            x = new FloatPointer(s.x);
            w = new FloatPointer(s.w);
            out = new FloatPointer((long) s.n * s.m);
        }

        @TearDown
        public void tearDown() {
            x.close();
            w.close();
            out.close();
        }
    }

    @Benchmark
    public void ours(Shape s, Ours o, Flops flops) {
        o.backend.matmul(o.out, o.x, o.w);
        flops.gflop += s.gflopPerCall();
    }

    @Benchmark
    public void openblas(Shape s, OpenBlas b, Flops flops) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasTrans, s.n, s.m, s.k, 1f, b.x, s.k, b.w, s.k, 0f, b.out, s.m);
        flops.gflop += s.gflopPerCall();
    }
}
