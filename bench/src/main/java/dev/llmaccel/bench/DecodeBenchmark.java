package dev.llmaccel.bench;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
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
 * Decode speed: one token through the whole model per operation, so the score in ops/s is tokens/s.
 * Positions cycle through 1..128 as llama.cpp's {@code llama-bench -p 0 -n 128} does. Run
 * {@link DecodeReport} to see the figures beside the memory-bandwidth roofline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class DecodeBenchmark {
    /** Tokens decoded before the session rewinds (llama-bench's tg128). */
    static final int GENERATED = 128;

    @Param({"smollm2-135m", "llama-3.2-1b"})
    public String shape;

    @Param({"F32", "Q8_0", "Q4_0"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    private GgufFile gguf;
    private Backend backend;
    private LlamaModel model;
    private LlamaSession session;
    private int token;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        gguf = GgufFile.open(BenchModels.file(shape, DType.valueOf(type)));
        backend = Backends.cpu();
        CpuBackend.setThreads(threads);
        model = LlamaModel.fromGguf(gguf, backend);
        session = model.newSession(GENERATED + 1, 1);
        session.forward(1);
    }

    @Benchmark
    public Tensor decode() {
        if (session.remaining() == 0) {
            session.truncate(1);
        }
        token = (token * 31 + 7) % 1000 + 300;  // varying ids among the filler pieces
        return session.forward(token);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.close();
        model.close();
        gguf.close();
    }
}
