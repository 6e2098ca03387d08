package dev.llmaccel.bench;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link DecodeBenchmark} and prints each figure beside its memory-bandwidth roofline:
 * decoding reads every weight once per token, so tokens/s cannot exceed
 * (read bandwidth) / (weight bytes per token). The bandwidth is measured here, on as many threads
 * as the decoding used, by streaming a buffer far larger than the caches.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar dev.llmaccel.bench.DecodeReport [shape=a,b] [type=..] [threads=..]}
 */
public final class DecodeReport {
    private static final int BANDWIDTH_LONGS = 64 << 20;  // 512 MB

    private DecodeReport() {}

    public static void main(String[] args) throws RunnerException, IOException, InterruptedException {
        Map<String, String[]> params = new HashMap<>();
        params.put("shape", new String[] {"smollm2-135m", "llama-3.2-1b"});
        params.put("type", new String[] {"F32", "Q8_0", "Q4_0"});
        params.put("threads", new String[] {"1", "2"});
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2 || !params.containsKey(kv[0])) {
                throw new IllegalArgumentException("arguments are shape=.., type=.., threads=.. (comma-separated lists), got " + a);
            }
            params.put(kv[0], kv[1].split(","));
        }
        System.out.println("# " + ZonedDateTime.now() + " on " + InetAddress.getLocalHost().getHostName() + ", " + cpuModel()
                + ", " + Runtime.getRuntime().availableProcessors() + " cpus");
        System.out.printf(Locale.ROOT, "# quiet probe: the same busy loop on 2 threads took %.2fx its time on 1 (1.0 = both cores free)%n",
                busyProbe());
        Map<Integer, Double> bandwidth = new HashMap<>();
        for (String t : params.get("threads")) {
            int n = Integer.parseInt(t);
            bandwidth.put(n, readBandwidth(n));
            System.out.printf(Locale.ROOT, "# read bandwidth, %d thread(s): %.1f GB/s%n", n, bandwidth.get(n) / 1e9);
        }
        Map<String, Long> bytesPerToken = new HashMap<>();
        for (String shape : params.get("shape")) {
            for (String type : params.get("type")) {
                Path file = BenchModels.file(shape, DType.valueOf(type));
                try (GgufFile gguf = GgufFile.open(file); Backend ref = Backends.reference();
                     LlamaModel m = LlamaModel.fromGguf(gguf, ref)) {
                    bytesPerToken.put(shape + "/" + type, m.weightBytesPerToken());
                }
            }
        }
        ChainedOptionsBuilder options = new OptionsBuilder().include(DecodeBenchmark.class.getSimpleName());
        params.forEach(options::param);
        Collection<RunResult> results = new Runner(options.build()).run();

        System.out.println();
        System.out.printf("%-14s %-5s %7s %10s %11s %9s %14s %10s%n", "shape", "type", "threads", "tokens/s", "MB/token",
                "GB/s read", "roofline tok/s", "% roofline");
        for (RunResult r : results) {
            String shape = r.getParams().getParam("shape");
            String type = r.getParams().getParam("type");
            int threads = Integer.parseInt(r.getParams().getParam("threads"));
            double tps = r.getPrimaryResult().getScore();
            long bytes = bytesPerToken.get(shape + "/" + type);
            double bw = bandwidth.get(threads);
            double roof = bw / bytes;
            System.out.printf(Locale.ROOT, "%-14s %-5s %7d %10.2f %11.1f %9.1f %14.2f %9.0f%%%n", shape, type, threads, tps,
                    bytes / 1e6, bw / 1e9, roof, 100 * tps / roof);
        }
    }

    /** Bytes per second that n threads read from memory, streaming 512 MB (the best of five passes). */
    static double readBandwidth(int n) throws InterruptedException {
        long[] data = new long[BANDWIDTH_LONGS];
        for (int i = 0; i < data.length; i += 512) {
            data[i] = i;  // touch every page
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            double best = 0;
            for (int pass = 0; pass < 5; pass++) {
                List<Callable<Long>> tasks = new ArrayList<>();
                for (int t = 0; t < n; t++) {
                    int from = (int) ((long) data.length * t / n);
                    int to = (int) ((long) data.length * (t + 1) / n);
                    tasks.add(() -> MemoryRead.sum(data, from, to));
                }
                long t0 = System.nanoTime();
                long check = 0;
                for (Future<Long> f : pool.invokeAll(tasks)) {
                    check += f.get();
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (check == 42) {
                    System.out.print("");  // keeps the sums alive
                }
                best = Math.max(best, data.length * 8.0 / seconds);
            }
            return best;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdown();
        }
    }

    /** Time of a busy loop run on two threads at once over its time on one: about 1 when two cores are free. */
    static double busyProbe() throws InterruptedException {
        busy();  // warm up
        long t0 = System.nanoTime();
        busy();
        long one = System.nanoTime() - t0;
        Thread a = new Thread(DecodeReport::busy);
        Thread b = new Thread(DecodeReport::busy);
        t0 = System.nanoTime();
        a.start();
        b.start();
        a.join();
        b.join();
        return (double) (System.nanoTime() - t0) / one;
    }

    private static volatile double sink;

    private static void busy() {
        double x = 1;
        for (int i = 0; i < 200_000_000; i++) {
            x = x * 1.0000001 + 1e-9;
        }
        sink = x;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux: the model is only a label
        }
        return "unknown CPU";
    }
}
