package dev.llmaccel.bench;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * Where a decoded token's time goes: kernel time per op (matmuls per weight shape) and what is
 * left for Java, JNI and the calls between kernels. Not JMH: a profile, not a figure to quote.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar dev.llmaccel.bench.DecodeProfile smollm2-135m Q4_0 1 [tokens]}
 */
public final class DecodeProfile {
    private DecodeProfile() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: DecodeProfile shape type threads [tokens]");
        }
        int tokens = args.length > 3 ? Integer.parseInt(args[3]) : 128;
        CpuBackend.setThreads(Integer.parseInt(args[2]));
        OpTimer timed = new OpTimer();
        Backend cpu = Backends.cpu();
        cpu.setOpListener(timed);
        try (GgufFile gguf = GgufFile.open(BenchModels.file(args[0], DType.valueOf(args[1])));
             LlamaModel model = LlamaModel.fromGguf(gguf, cpu);
             LlamaSession session = model.newSession(tokens + 1, 1)) {
            for (int pass = 0; pass < 2; pass++) {  // the first pass warms up the JIT and the page cache
                session.clear();
                session.forward(1);
                timed.reset();
                long t0 = System.nanoTime();
                for (int i = 0; i < tokens; i++) {
                    session.forward(300 + i);
                }
                long wall = System.nanoTime() - t0;
                if (pass == 1) {
                    print(timed.totals(), wall, tokens);
                }
            }
        }
    }

    /** Prints the kernels' time per op per token, and what was left for Java between them. */
    static void print(Map<String, long[]> totals, long wall, long tokens) {
        long kernels = 0;
        long calls = 0;
        System.out.printf("%-36s %8s %12s %10s%n", "op", "calls/tok", "us/token", "% of wall");
        for (Map.Entry<String, long[]> e : totals.entrySet()) {
            long[] t = e.getValue();
            kernels += t[1];
            calls += t[0];
            System.out.printf(Locale.ROOT, "%-36s %8.1f %12.1f %9.1f%%%n", e.getKey(), t[0] / (double) tokens,
                    t[1] / 1e3 / tokens, 100.0 * t[1] / wall);
        }
        System.out.printf(Locale.ROOT, "%-36s %8.1f %12.1f %9.1f%%%n", "kernels (incl. JNI)", calls / (double) tokens,
                kernels / 1e3 / tokens, 100.0 * kernels / wall);
        System.out.printf(Locale.ROOT, "%-36s %8s %12.1f %9.1f%%%n", "Java between kernels", "", (wall - kernels) / 1e3 / tokens,
                100.0 * (wall - kernels) / wall);
        System.out.printf(Locale.ROOT, "%.2f tokens/s (%d tokens)%n", tokens * 1e9 / wall, tokens);
    }
}
