package dev.llmaccel.bench.cuda;

import dev.llmaccel.backend.AttentionParams;
import dev.llmaccel.backend.cuda.CudaBackend;
import dev.llmaccel.backend.cuda.CudaProbe;
import dev.llmaccel.backend.cuda.GemmEngine;
import dev.llmaccel.backend.cuda.Precision;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * GPU benchmarks of the CUDA backend, printed as a table beside the ceilings of the developers'
 * guide for the H200: matrix-vector products (GB/s of weights), a BF16 matrix product (TFLOP/s,
 * the library's own kernel and cuBLAS in the same run), decode attention (GB/s of keys and values
 * read) and causal prefill attention (TFLOP/s, at F32 and at BF16 precision).
 *
 * <p>Each figure is the median of 5 trials; a trial times a run of calls between two CUDA events
 * on the backend's stream, after 3 warm-up calls. Inputs are random (never zeros); weights small
 * enough to sit in the L2 cache are rotated among copies that together exceed it several times.
 * Where no usable GPU is present it prints "CUDA unavailable: reason" and exits normally.
 *
 * <p>Run: {@code java -cp <llmaccel jar, its dependencies, this module> dev.llmaccel.bench.cuda.GpuBench}
 * (the GPU bundle's run-gpu.sh does this).
 */
public final class GpuBench {
    // Ceilings measured on the H200 (developers' guide): device copy, cuBLAS-class bf16 GEMM, torch SDPA.
    static final double COPY_GBS = 4187;
    static final double BF16_GEMM_TFLOPS = 755;
    static final double SDPA_DECODE_B1_GBS = 2119;
    static final double SDPA_DECODE_B16_GBS = 4331;
    static final double SDPA_PREFILL_TFLOPS = 590;

    static final long L2_ROTATION_BYTES = 256L << 20;  // several times the H200's 60 MB L2
    static final int WARMUP = 3;
    static final int TRIALS = 5;

    /** One line of the table. */
    record Row(String benchmark, String shape, double value, String unit, double ceiling, String against, String note) {}

    private final CudaBackend cuda;
    private final List<Row> rows = new ArrayList<>();

    private GpuBench(CudaBackend cuda) {
        this.cuda = cuda;
    }

    public static void main(String[] args) {
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.usable()) {
            System.out.println("CUDA unavailable: " + probe.description());
            return;
        }
        try (CudaBackend cuda = (CudaBackend) CudaProbe.open()) {
            System.out.println("llmaccel GPU benchmarks, " + ZonedDateTime.now() + ", " + cuda.deviceName() + ", "
                    + CudaBackend.cublasDescription());
            System.out.println("median of " + TRIALS + " trials, each a run of calls between CUDA events, after "
                    + WARMUP + " warm-up calls; random inputs");
            GpuBench bench = new GpuBench(cuda);
            bench.gemv();
            bench.gemm();
            bench.decodeAttention();
            bench.prefillAttention();
            bench.print();
        }
    }

    // ---- cases -----------------------------------------------------------------------------------

    void gemv() {
        long[][] shapes = {{4096, 4096}, {8192, 28672}};  // (m, k): w is (m, k), x one row of k
        for (DType t : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            for (long[] s : shapes) {
                long m = s[0], k = s[1];
                long bytes = t.bytesFor(m * k);
                int copies = (int) Math.min(32, Math.max(1, (L2_ROTATION_BYTES + bytes - 1) / bytes));
                List<Tensor> ws = new ArrayList<>();
                try (Tensor x = randomMatrix(DType.F32, 1, k, 1); Tensor out = cuda.allocate(DType.F32, 1, m)) {
                    for (int c = 0; c < copies; c++) {
                        ws.add(randomMatrix(t, m, k, 100 + c));
                    }
                    int calls = bytes > (256L << 20) ? 10 : 50;
                    double ms = millisPerCall(calls, i -> cuda.matmul(out, x, ws.get(i % copies)));
                    rows.add(new Row("GEMV " + t, m + "x" + k, bytes / (ms * 1e-3) / 1e9, "GB/s", COPY_GBS,
                            "copy", copies > 1 ? copies + " weight copies rotated" : ""));
                } finally {
                    ws.forEach(Tensor::close);
                }
            }
        }
    }

    void gemm() {
        long n = 4096, k = 4096, m = 4096;
        double flops = 2.0 * n * k * m;
        for (DType t : new DType[] {DType.BF16, DType.Q8_0}) {
            try (Tensor x = randomMatrix(DType.F32, n, k, 2);
                 Tensor w = randomMatrix(t, m, k, 3);
                 Tensor out = cuda.allocate(DType.F32, n, m)) {
                // quantized weights always take the own kernel; its BF16 tiles do not depend on the precision
                List<GemmEngine> engines = t == DType.BF16 && CudaBackend.cublasAvailable()
                        ? List.of(GemmEngine.CUBLAS, GemmEngine.OWN) : List.of(GemmEngine.OWN);
                List<Precision> precisions = t == DType.BF16 ? List.of(Precision.values()) : List.of(Precision.F32);
                for (Precision p : precisions) {
                    cuda.precision(p);
                    double cublas = Double.NaN;
                    for (GemmEngine e : engines) {
                        cuda.gemmEngine(e);
                        double ms = millisPerCall(10, i -> cuda.matmul(out, x, w));
                        double tflops = flops / (ms * 1e-3) / 1e12;
                        String note = t != DType.BF16 ? "x rounded to BF16 in the timed call"
                                : p == Precision.F32 ? "x split in two BF16 parts: two passes" : "x rounded to BF16";
                        if (e == GemmEngine.CUBLAS) {
                            cublas = tflops;
                        } else if (!Double.isNaN(cublas)) {
                            note += String.format("; %.0f%% of cuBLAS", 100 * tflops / cublas);
                        }
                        rows.add(new Row("GEMM " + t + " " + e.name().toLowerCase() + " " + p, n + "x" + k + "x" + m,
                                tflops, "TFLOP/s", BF16_GEMM_TFLOPS, "bf16 GEMM", note));
                    }
                }
                cuda.gemmEngine(GemmEngine.AUTO);
                cuda.precision(Precision.F32);
            }
        }
    }

    void decodeAttention() {
        int heads = 32, kvHeads = 8, hd = 128;
        for (int batch : new int[] {1, 16}) {
            for (int kv : new int[] {4096, 32768}) {
                try (Tensor q = randomMatrix(DType.F32, batch, (long) heads * hd, 4);
                     Tensor k = randomMatrix(DType.F32, (long) batch * kv, (long) kvHeads * hd, 5);
                     Tensor v = randomMatrix(DType.F32, (long) batch * kv, (long) kvHeads * hd, 6);
                     Tensor out = cuda.allocate(DType.F32, batch, 1, heads, hd)) {
                    AttentionParams p = new AttentionParams((float) (1 / Math.sqrt(hd)), true, 0, kv - 1, kv, null);
                    Tensor q4 = q.view(batch, 1, heads, hd);
                    Tensor k4 = k.view(batch, kv, kvHeads, hd);
                    Tensor v4 = v.view(batch, kv, kvHeads, hd);
                    double ms = millisPerCall(20, i -> cuda.attention(out, q4, k4, v4, p));
                    double bytes = 2.0 * batch * kv * kvHeads * hd * 4;
                    double ceiling = kv != 32768 ? COPY_GBS : batch == 1 ? SDPA_DECODE_B1_GBS : SDPA_DECODE_B16_GBS;
                    rows.add(new Row("decode attention F32", "batch " + batch + ", " + kv + " keys, 32/8 heads, d 128",
                            bytes / (ms * 1e-3) / 1e9, "GB/s", ceiling, kv == 32768 ? "SDPA" : "copy",
                            "GB/s of keys and values read"));
                }
            }
        }
    }

    void prefillAttention() {
        int heads = 32, kvHeads = 8, hd = 128;
        for (int len : new int[] {4096, 16384}) {
            try (Tensor q = randomMatrix(DType.F32, len, (long) heads * hd, 7);
                 Tensor k = randomMatrix(DType.F32, len, (long) kvHeads * hd, 8);
                 Tensor v = randomMatrix(DType.F32, len, (long) kvHeads * hd, 9);
                 Tensor out = cuda.allocate(DType.F32, 1, len, heads, hd)) {
                AttentionParams p = new AttentionParams((float) (1 / Math.sqrt(hd)), true, 0, 0, len, null);
                Tensor q4 = q.view(1, len, heads, hd);
                Tensor k4 = k.view(1, len, kvHeads, hd);
                Tensor v4 = v.view(1, len, kvHeads, hd);
                double flops = 4.0 * len * len * heads * hd / 2;  // q·k and p·v, causal half
                for (Precision precision : Precision.values()) {
                    cuda.precision(precision);
                    double ms = millisPerCall(1, i -> cuda.attention(out, q4, k4, v4, p));
                    rows.add(new Row("prefill attention " + precision, "S " + len + ", causal, 32/8 heads, d 128",
                            flops / (ms * 1e-3) / 1e12, "TFLOP/s", SDPA_PREFILL_TFLOPS, "SDPA S=16384",
                            precision == Precision.BF16 ? "tensor cores; q, k, v rounded in the timed call"
                                    : "F32 arithmetic"));
                }
                cuda.precision(Precision.F32);
            }
        }
    }

    // ---- tools -----------------------------------------------------------------------------------

    /** Median over trials of the device milliseconds per call; op gets the call's index. */
    double millisPerCall(int calls, IntConsumer op) {
        for (int i = 0; i < WARMUP; i++) {
            op.accept(i);
        }
        cuda.synchronize();
        double[] ms = new double[TRIALS];
        for (int t = 0; t < TRIALS; t++) {
            ms[t] = cuda.time(() -> {
                for (int i = 0; i < calls; i++) {
                    op.accept(i);
                }
            }) / calls;
        }
        Arrays.sort(ms);
        return ms[TRIALS / 2];
    }

    /**
     * A device matrix (rows, cols) of type t with random values: a random block of up to 256 rows
     * made on the host, copied over the rows on the device (fast for gigabytes of weights).
     */
    Tensor randomMatrix(DType t, long rows, long cols, long seed) {
        long blockRows = Math.min(rows, 256);
        SplittableRandom r = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(blockRows * cols)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (r.nextDouble() * 2 - 1);
        }
        Tensor out = cuda.allocate(t, rows, cols);
        try (Tensor host = Tensor.of(t, values, blockRows, cols); Tensor block = cuda.upload(host)) {
            for (long first = 0; first < rows; first += blockRows) {
                long count = Math.min(blockRows, rows - first);
                try (Tensor dst = out.rows(first, count); Tensor src = block.rows(0, count)) {
                    cuda.copy(dst, src);
                }
            }
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    void print() {
        String format = "%-28s %-40s %10s %-8s %10s %-13s %7s  %s%n";
        System.out.printf(format, "benchmark", "shape", "measured", "unit", "ceiling", "(of)", "%", "note");
        for (Row r : rows) {
            System.out.printf(format, r.benchmark(), r.shape(), String.format("%.1f", r.value()), r.unit(),
                    String.format("%.0f", r.ceiling()), r.against(), String.format("%.0f%%", 100 * r.value() / r.ceiling()),
                    r.note());
        }
    }
}
