package dev.llmaccel.bench;

import dev.llmaccel.backend.AttentionParams;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
 * CPU attention of a Llama-3-8B layer (32 query heads, 8 KV heads, head size 128) through
 * Backend.attention, on 1 and 2 threads:
 * <ul>
 *   <li>decode: one query against 4k and 32k cached tokens; memory-bound, so the figure is GB/s
 *       of K and V read ("kvGB", GB per second), held against "readRoofline": the same number of
 *       bytes summed from a Java long[] on as many threads, this machine's read bandwidth;
 *   <li>prefill: 512 and 2048 causal tokens at once, in GFLOP/s ("gflop", 4 · headDim flops per
 *       visible query-key pair and head: q·k and p·v).
 * </ul>
 * Run: {@code java -jar bench/target/benchmarks.jar AttentionBench}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AttentionBench {
    static final int HEADS = 32;
    static final int KV_HEADS = 8;
    static final int HEAD_DIM = 128;

    /** Bytes read and flops done, per second (JMH divides the counts by the measured time). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Work {
        /** GB of K and V read (decode). */
        public double kvGB;
        /** GFLOP done (prefill). */
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() {
            kvGB = 0;
            gflop = 0;
        }
    }

    /** One attention call of nq queries over the first tokens of the keys, on a pool of threads. */
    public abstract static class Call {
        Backend backend;
        Tensor q;    // (1, nq, HEADS, HEAD_DIM)
        Tensor k;    // (1, tokens, KV_HEADS, HEAD_DIM)
        Tensor v;    // (1, tokens, KV_HEADS, HEAD_DIM)
        Tensor out;  // (1, nq, HEADS, HEAD_DIM)
        AttentionParams params;

        /** Random q, k and v; the queries are the last nq of the tokens, causal. */
        void open(int nq, int tokens, int threads) {
            backend = Backends.cpu();
            CpuBackend.setThreads(threads);
            q = random(1, 1, nq, HEADS, HEAD_DIM);
            k = random(2, 1, tokens, KV_HEADS, HEAD_DIM);
            v = random(3, 1, tokens, KV_HEADS, HEAD_DIM);
            out = Tensor.zeros(DType.F32, 1, nq, HEADS, HEAD_DIM);
            params = new AttentionParams((float) (1 / Math.sqrt(HEAD_DIM)), true, 0, tokens - nq, tokens, null);
        }

        @TearDown
        public void close() {
            q.close();
            k.close();
            v.close();
            out.close();
            backend.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Decode extends Call {
        @Param({"4096", "32768"})
        public int tokens;

        @Param({"1", "2"})
        public int threads;

        double gbPerCall;

        @Setup
        public void setup() {
            open(1, tokens, threads);
            gbPerCall = (k.bytes() + v.bytes()) / 1e9;
        }
    }

    @State(Scope.Benchmark)
    public static class Prefill extends Call {
        @Param({"512", "2048"})
        public int tokens;

        @Param({"1", "2"})
        public int threads;

        double gflopPerCall;

        @Setup
        public void setup() {
            open(tokens, tokens, threads);
            double pairs = (double) tokens * (tokens + 1) / 2;  // causal: query i sees keys 0..i
            gflopPerCall = 4.0 * HEAD_DIM * HEADS * pairs / 1e9;
        }
    }

    /** The read roofline: as many bytes as decode's K and V, from the Java heap, on as many threads. */
    @State(Scope.Benchmark)
    public static class Roofline {
        @Param({"4096", "32768"})
        public int tokens;

        @Param({"1", "2"})
        public int threads;

        long[] data;
        ExecutorService pool;

        @Setup
        public void setup() {
            data = new long[2 * tokens * KV_HEADS * HEAD_DIM * Float.BYTES / Long.BYTES];
            for (int i = 0; i < data.length; i++) {
                data[i] = i * 0x9E3779B97F4A7C15L;
            }
            pool = Executors.newFixedThreadPool(threads);
        }

        @TearDown
        public void tearDown() {
            pool.shutdownNow();
        }

        /** Sums data[from, to) as fast as Java reads memory. */
        long sum(int from, int to) {
            return MemoryRead.sum(data, from, to);
        }
    }

    @Benchmark
    public Tensor decode(Decode s, Work w) {
        s.backend.attention(s.out, s.q, s.k, s.v, s.params);
        w.kvGB += s.gbPerCall;
        return s.out;
    }

    @Benchmark
    public Tensor prefill(Prefill s, Work w) {
        s.backend.attention(s.out, s.q, s.k, s.v, s.params);
        w.gflop += s.gflopPerCall;
        return s.out;
    }

    @Benchmark
    public long readRoofline(Roofline s, Work w) throws Exception {
        int n = s.data.length;
        @SuppressWarnings("unchecked")
        Future<Long>[] parts = new Future[s.threads];
        for (int t = 0; t < s.threads; t++) {
            int from = (int) ((long) n * t / s.threads);
            int to = (int) ((long) n * (t + 1) / s.threads);
            parts[t] = s.pool.submit(() -> s.sum(from, to));
        }
        long total = 0;
        for (Future<Long> p : parts) {
            total += p.get();
        }
        w.kvGB += n * (double) Long.BYTES / 1e9;
        return total;
    }

    static Tensor random(long seed, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        Random r = new Random(seed);
        float[] x = new float[(int) n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return Tensor.of(x, shape);
    }
}
