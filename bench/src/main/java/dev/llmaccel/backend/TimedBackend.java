package dev.llmaccel.backend;

import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.Tensor;
import java.util.Map;
import java.util.TreeMap;

/**
 * A backend that runs another backend's kernels and adds up the time each op takes, for profiles
 * of a forward pass (see {@code dev.llmaccel.bench.DecodeProfile}). It lives in the backend
 * package to reach the kernels; it is a measuring tool, not part of the library.
 */
public final class TimedBackend extends Backend {
    private final Backend inner;
    private final Map<String, long[]> totals = new TreeMap<>();  // label -> {calls, nanos}

    public TimedBackend(Backend inner) {
        this.inner = inner;
    }

    /** Per label ("matmul Q4_0 1536x576", "rms_norm", ...): {calls, nanoseconds}. */
    public Map<String, long[]> totals() {
        return totals;
    }

    public void reset() {
        totals.clear();
    }

    private void add(String label, long t0) {
        long[] t = totals.computeIfAbsent(label, k -> new long[2]);
        t[0]++;
        t[1] += System.nanoTime() - t0;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Device device() {
        return inner.device();
    }

    @Override
    public boolean supports(Op op, DType dtype) {
        return inner.supports(op, dtype);
    }

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        return inner.allocate(dtype, shape);
    }

    @Override
    public Tensor upload(Tensor t) {
        return inner.upload(t);
    }

    @Override
    protected void copyKernel(Tensor dst, Tensor src) {
        long t0 = System.nanoTime();
        inner.copyKernel(dst, src);
        add("copy", t0);
    }

    @Override
    protected void embeddingKernel(Tensor out, Tensor table, int[] ids) {
        long t0 = System.nanoTime();
        inner.embeddingKernel(out, table, ids);
        add("embedding", t0);
    }

    @Override
    protected void matmulKernel(Tensor out, Tensor x, Tensor w, long n, long k, long m) {
        long t0 = System.nanoTime();
        inner.matmulKernel(out, x, w, n, k, m);
        add("matmul " + w.dtype() + " " + m + "x" + k, t0);
    }

    @Override
    protected void rmsNormKernel(Tensor out, Tensor x, Tensor weight, float eps, long n, long d) {
        long t0 = System.nanoTime();
        inner.rmsNormKernel(out, x, weight, eps, n, d);
        add("rms_norm", t0);
    }

    @Override
    protected void layerNormKernel(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps, long n, long d) {
        long t0 = System.nanoTime();
        inner.layerNormKernel(out, x, weight, bias, eps, n, d);
        add("layer_norm", t0);
    }

    @Override
    protected void ropeKernel(Tensor x, long positionOffset, RopeParams params, long batch, long seq, long heads, long headDim) {
        long t0 = System.nanoTime();
        inner.ropeKernel(x, positionOffset, params, batch, seq, heads, headDim);
        add("rope", t0);
    }

    @Override
    protected void ropeRowsKernel(Tensor x, int[] positions, RopeParams params, long rows, long heads, long headDim) {
        long t0 = System.nanoTime();
        inner.ropeRowsKernel(x, positions, params, rows, heads, headDim);
        add("rope", t0);
    }

    @Override
    protected void swigluKernel(Tensor out, Tensor gate, Tensor up, long n) {
        long t0 = System.nanoTime();
        inner.swigluKernel(out, gate, up, n);
        add("swiglu", t0);
    }

    @Override
    protected void geluKernel(Tensor out, Tensor x, long n) {
        long t0 = System.nanoTime();
        inner.geluKernel(out, x, n);
        add("gelu", t0);
    }

    @Override
    protected void addKernel(Tensor out, Tensor a, Tensor b, long n, long d, boolean full) {
        long t0 = System.nanoTime();
        inner.addKernel(out, a, b, n, d, full);
        add("add", t0);
    }

    @Override
    protected void softmaxKernel(Tensor out, Tensor x, long n, long d) {
        long t0 = System.nanoTime();
        inner.softmaxKernel(out, x, n, d);
        add("softmax", t0);
    }

    @Override
    protected void attentionKernel(Tensor out, Tensor q, Tensor k, Tensor v, AttentionParams params, int[] mask,
            long batch, long nq, long heads, long kvHeads, long headDim, long capacity) {
        long t0 = System.nanoTime();
        inner.attentionKernel(out, q, k, v, params, mask, batch, nq, heads, kvHeads, headDim, capacity);
        add("attention", t0);
    }

    @Override
    protected void pagedKvWriteKernel(Tensor kPool, Tensor vPool, Tensor k, Tensor v, int[] slots, long n, long kvHeads,
            long headDim, long blockSize) {
        long t0 = System.nanoTime();
        inner.pagedKvWriteKernel(kPool, vPool, k, v, slots, n, kvHeads, headDim, blockSize);
        add("paged_kv_write", t0);
    }

    @Override
    protected void pagedAttentionKernel(Tensor out, Tensor q, Tensor kPool, Tensor vPool, float scale, int blockSize,
            int[] blockTables, int maxBlocks, int[] rowSequence, int[] rowPosition, long n, long heads, long kvHeads,
            long headDim) {
        long t0 = System.nanoTime();
        inner.pagedAttentionKernel(out, q, kPool, vPool, scale, blockSize, blockTables, maxBlocks, rowSequence,
                rowPosition, n, heads, kvHeads, headDim);
        add("paged_attention", t0);
    }

    @Override
    protected void poolKernel(Tensor out, Tensor x, int[] mask, Pooling mode, long batch, long seq, long d) {
        long t0 = System.nanoTime();
        inner.poolKernel(out, x, mask, mode, batch, seq, d);
        add("pool", t0);
    }

    @Override
    protected void l2NormalizeKernel(Tensor out, Tensor x, long n, long d) {
        long t0 = System.nanoTime();
        inner.l2NormalizeKernel(out, x, n, d);
        add("l2_normalize", t0);
    }

    @Override
    protected int sampleKernel(Tensor logits, SamplingParams params, int[] recentTokens, double uniform, int vocab) {
        long t0 = System.nanoTime();
        int token = inner.sampleKernel(logits, params, recentTokens, uniform, vocab);
        add("sample", t0);
        return token;
    }
}
