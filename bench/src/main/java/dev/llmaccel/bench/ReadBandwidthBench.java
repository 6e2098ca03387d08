package dev.llmaccel.bench;

import static dev.llmaccel.backend.NativeException.check;

import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.binding.cpu.CpuKernels;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
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
 * The roofline of every weight-streaming kernel: the machine's read bandwidth, measured by
 * {@code llm_probe_read} (256-bit loads, split over the library's threads) over chunks of a
 * 512 MiB buffer taken in turn, so that every byte comes from memory, not from a cache, exactly as
 * {@link GemvBench}'s weights do. Read the {@code gigabytes} line: GB/s.
 *
 * <p>Run it in the same invocation as GemvBench:
 * {@code java -jar bench/target/benchmarks.jar "GemvBench|ReadBandwidthBench"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class ReadBandwidthBench {
    /** Threads of the library's pool. */
    @Param({"1", "2"})
    public int threads;

    /** Bytes read per call. */
    @Param({"16777216"})
    public long chunkBytes;

    static final long POOL_BYTES = 512L << 20;

    private Tensor buffer;
    private int chunks;
    private int next;
    private final long[] sum = new long[1];

    @Setup
    public void setUp() {
        CpuBackend.setThreads(threads);
        buffer = Tensor.zeros(DType.F32, POOL_BYTES / 4);
        float[] ones = new float[(int) (POOL_BYTES / 4)];
        java.util.Arrays.fill(ones, 1f);
        buffer.copyFrom(ones);  // touch every page: no page faults while measuring
        chunks = (int) (POOL_BYTES / chunkBytes);
    }

    @TearDown
    public void tearDown() {
        buffer.close();
    }

    @Benchmark
    public long read(WeightBytes bytes) {
        long address = buffer.address() + next * chunkBytes;
        next = (next + 1) % chunks;
        check(CpuKernels.llm_probe_read(sum, address, chunkBytes), "read probe");
        bytes.gigabytes += chunkBytes * 1e-9;
        return sum[0];
    }
}
