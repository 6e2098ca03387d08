package dev.llmaccel.backend;

import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Plain-Java kernels with double accumulation: the oracle the native backends are tested
 * against. Written for clarity, never for speed; every op follows the definition in
 * {@link Backend} and its parameter records literally.
 */
public final class ReferenceBackend extends Backend {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public boolean supports(Op op, DType dtype) {
        return true;
    }

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        return Tensor.zeros(dtype, shape);
    }

    @Override
    protected void copyKernel(Tensor dst, Tensor src) {
        dst.copyFromBytes(src.toBytes());
    }

    @Override
    protected void embeddingKernel(Tensor out, Tensor table, int[] ids) {
        int d = (int) table.dim(1);
        float[] result = new float[ids.length * d];
        for (int i = 0; i < ids.length; i++) {
            try (Tensor row = table.rows(ids[i], 1)) {
                System.arraycopy(row.toFloatArray(), 0, result, i * d, d);
            }
        }
        out.copyFrom(result);
    }

    @Override
    protected void matmulKernel(Tensor out, Tensor x, Tensor w, long n, long k, long m) {
        float[] xs = x.toFloatArray();
        float[] ws = w.toFloatArray();
        float[] ys = new float[(int) (n * m)];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double acc = 0;
                for (int c = 0; c < k; c++) {
                    acc += (double) xs[(int) (i * k + c)] * ws[(int) (j * k + c)];
                }
                ys[(int) (i * m + j)] = (float) acc;
            }
        }
        out.copyFrom(ys);
    }

    /** Every op over rows: its description's reference, row by row. */
    @Override
    protected void rowwiseKernel(Op op, Tensor out, Tensor x, Tensor[] vectors, float[] scalars, long n, long d) {
        float[] xs = x.toFloatArray();
        double[][] v = new double[vectors.length][];
        for (int j = 0; j < v.length; j++) {
            v[j] = vectors[j] == null ? null : doubles(vectors[j].toFloatArray(), 0, (int) d);
        }
        float[] ys = new float[xs.length];
        for (int r = 0; r < n; r++) {
            double[] y = op.rowwise().reference().apply(doubles(xs, (int) (r * d), (int) d), v, scalars);
            for (int c = 0; c < d; c++) {
                ys[(int) (r * d + c)] = (float) y[c];
            }
        }
        out.copyFrom(ys);
    }

    /** values[from .. from + n) as doubles. */
    private static double[] doubles(float[] values, int from, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = values[from + i];
        }
        return d;
    }

    @Override
    protected void ropeKernel(Tensor x, long positionOffset, RopeParams params, long batch, long seq, long heads, long headDim) {
        x.copyFrom(rotate(x.toFloatArray(), t -> positionOffset + t % seq, params, batch * seq, heads, headDim));
    }

    @Override
    protected void ropeRowsKernel(Tensor x, int[] positions, RopeParams params, long rows, long heads, long headDim) {
        x.copyFrom(rotate(x.toFloatArray(), t -> positions[(int) t], params, rows, heads, headDim));
    }

    /** Rope of tokens [0, n) of xs (n, heads, headDim), token t at position positionOf(t). */
    private static float[] rotate(float[] xs, java.util.function.LongUnaryOperator positionOf, RopeParams params, long n,
            long heads, long headDim) {
        int rot = params.rotaryDimsFor((int) headDim);
        float[] factors = params.freqFactors();
        for (int t = 0; t < n; t++) {
            long pos = positionOf.applyAsLong(t);
            for (int h = 0; h < heads; h++) {
                int o = (int) ((t * heads + h) * headDim);
                for (int i = 0; i < rot / 2; i++) {
                    double freq = Math.pow(params.theta(), -2.0 * i / rot);
                    if (factors != null) {
                        freq /= factors[i];
                    }
                    double angle = pos * freq;
                    double cos = Math.cos(angle);
                    double sin = Math.sin(angle);
                    int i0 = params.style() == RopeStyle.NORMAL ? o + 2 * i : o + i;
                    int i1 = params.style() == RopeStyle.NORMAL ? o + 2 * i + 1 : o + i + rot / 2;
                    double x0 = xs[i0];
                    double x1 = xs[i1];
                    xs[i0] = (float) (x0 * cos - x1 * sin);
                    xs[i1] = (float) (x0 * sin + x1 * cos);
                }
            }
        }
        return xs;
    }

    /** Every elementwise op: its description's reference, element by element. */
    @Override
    protected void elementwiseKernel(Op op, Tensor out, Tensor[] inputs, float[] scalars, long n) {
        float[][] xs = new float[inputs.length][];
        for (int j = 0; j < inputs.length; j++) {
            xs[j] = inputs[j].toFloatArray();
        }
        double[] x = new double[inputs.length];
        float[] ys = new float[(int) n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < x.length; j++) {
                x[j] = xs[j][i];
            }
            ys[i] = (float) op.elementwise().reference().apply(x, scalars);
        }
        out.copyFrom(ys);
    }

    @Override
    protected void addKernel(Tensor out, Tensor a, Tensor b, long n, long d, boolean full) {
        float[] as = a.toFloatArray();
        float[] bs = b.toFloatArray();
        float[] ys = new float[as.length];
        for (int i = 0; i < as.length; i++) {
            ys[i] = (float) ((double) as[i] + bs[full ? i : (int) (i % d)]);
        }
        out.copyFrom(ys);
    }

    @Override
    protected void attentionKernel(Tensor out, Tensor q, Tensor k, Tensor v, AttentionParams params, int[] mask,
            long batch, long nq, long heads, long kvHeads, long headDim, long capacity) {
        float[] qs = q.toFloatArray();
        float[] ks = k.toFloatArray();
        float[] vs = v.toFloatArray();
        float[] ys = new float[qs.length];
        long group = heads / kvHeads;
        long kvLength = params.kvLength();
        double[] scores = new double[(int) kvLength];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < nq; i++) {
                long pos = params.queryPosition() + i;
                for (int h = 0; h < heads; h++) {
                    long kh = h / group;
                    int qo = (int) (((b * nq + i) * heads + h) * headDim);
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < kvLength; j++) {
                        if (!params.visible(pos, j) || (mask != null && mask[(int) (b * kvLength + j)] == 0)) {
                            scores[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        int ko = (int) (((b * capacity + j) * kvHeads + kh) * headDim);
                        double dot = 0;
                        for (int c = 0; c < headDim; c++) {
                            dot += (double) qs[qo + c] * ks[ko + c];
                        }
                        scores[j] = dot * params.scale();
                        max = Math.max(max, scores[j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) {
                        continue;  // no visible key: the output row stays zero
                    }
                    double sum = 0;
                    double[] acc = new double[(int) headDim];
                    for (int j = 0; j < kvLength; j++) {
                        if (scores[j] == Double.NEGATIVE_INFINITY) {
                            continue;
                        }
                        double p = Math.exp(scores[j] - max);
                        sum += p;
                        int vo = (int) (((b * capacity + j) * kvHeads + kh) * headDim);
                        for (int c = 0; c < headDim; c++) {
                            acc[c] += p * vs[vo + c];
                        }
                    }
                    for (int c = 0; c < headDim; c++) {
                        ys[qo + c] = (float) (acc[c] / sum);
                    }
                }
            }
        }
        out.copyFrom(ys);
    }

    @Override
    protected void pagedKvWriteKernel(Tensor kPool, Tensor vPool, Tensor k, Tensor v, int[] slots, long n, long kvHeads,
            long headDim, long blockSize) {
        float[] kt = kPool.toFloatArray();
        float[] vs = vPool.toFloatArray();
        float[] kNew = k.toFloatArray();
        float[] vNew = v.toFloatArray();
        for (int i = 0; i < n; i++) {
            long block = slots[i] / blockSize;
            long offset = slots[i] % blockSize;
            for (int h = 0; h < kvHeads; h++) {
                for (int c = 0; c < headDim; c++) {
                    int src = (int) ((i * kvHeads + h) * headDim + c);
                    kt[(int) ((((block * kvHeads + h) * headDim) + c) * blockSize + offset)] = kNew[src];
                    vs[(int) (((block * kvHeads + h) * blockSize + offset) * headDim + c)] = vNew[src];
                }
            }
        }
        kPool.copyFrom(kt);
        vPool.copyFrom(vs);
    }

    @Override
    protected void pagedAttentionKernel(Tensor out, Tensor q, Tensor kPool, Tensor vPool, float scale, int blockSize,
            int[] blockTables, int maxBlocks, int[] rowSequence, int[] rowPosition, long n, long heads, long kvHeads,
            long headDim) {
        float[] qs = q.toFloatArray();
        float[] ks = kPool.toFloatArray();
        float[] vs = vPool.toFloatArray();
        float[] ys = new float[qs.length];
        long group = heads / kvHeads;
        for (int i = 0; i < n; i++) {
            int keys = rowPosition[i] + 1;
            for (int h = 0; h < heads; h++) {
                long kh = h / group;
                int qo = (int) ((i * heads + h) * headDim);
                double[] scores = new double[keys];
                double max = Double.NEGATIVE_INFINITY;
                for (int p = 0; p < keys; p++) {
                    long block = blockTables[rowSequence[i] * maxBlocks + p / blockSize];
                    long head = (block * kvHeads + kh) * headDim * blockSize;  // this head of the block, in either pool
                    double dot = 0;
                    for (int c = 0; c < headDim; c++) {
                        dot += (double) qs[qo + c] * ks[(int) (head + c * blockSize + p % blockSize)];
                    }
                    scores[p] = dot * scale;
                    max = Math.max(max, scores[p]);
                }
                double sum = 0;
                double[] acc = new double[(int) headDim];
                for (int p = 0; p < keys; p++) {
                    double w = Math.exp(scores[p] - max);
                    sum += w;
                    long block = blockTables[rowSequence[i] * maxBlocks + p / blockSize];
                    int vo = (int) (((block * kvHeads + kh) * blockSize + p % blockSize) * headDim);
                    for (int c = 0; c < headDim; c++) {
                        acc[c] += w * vs[vo + c];
                    }
                }
                for (int c = 0; c < headDim; c++) {
                    ys[qo + c] = (float) (acc[c] / sum);
                }
            }
        }
        out.copyFrom(ys);
    }

    @Override
    protected void poolKernel(Tensor out, Tensor x, int[] mask, Pooling mode, long batch, long seq, long d) {
        float[] xs = x.toFloatArray();
        float[] ys = new float[(int) (batch * d)];
        for (int b = 0; b < batch; b++) {
            int chosen = -1;
            double[] acc = new double[(int) d];
            int count = 0;
            for (int t = 0; t < seq; t++) {
                boolean kept = mask == null || mask[(int) (b * seq + t)] != 0;
                if (!kept) {
                    continue;
                }
                count++;
                chosen = t;  // the last kept token
                for (int c = 0; c < d; c++) {
                    acc[c] += xs[(int) ((b * seq + t) * d + c)];
                }
            }
            for (int c = 0; c < d; c++) {
                float value = switch (mode) {
                    case MEAN -> count == 0 ? 0f : (float) (acc[c] / count);
                    case CLS -> seq == 0 ? 0f : xs[(int) (b * seq * d + c)];
                    case LAST -> chosen < 0 ? 0f : xs[(int) ((b * seq + chosen) * d + c)];
                };
                ys[(int) (b * d + c)] = value;
            }
        }
        out.copyFrom(ys);
    }

    @Override
    protected int sampleKernel(Tensor logits, SamplingParams params, int[] recentTokens, double uniform, int vocab) {
        float[] raw = logits.toFloatArray();
        double[] l = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            l[i] = Float.isNaN(raw[i]) ? Double.NEGATIVE_INFINITY : raw[i];  // NaN never wins
        }
        for (Map.Entry<Integer, Float> e : params.logitBias().entrySet()) {
            l[e.getKey()] += e.getValue();
        }
        Map<Integer, Integer> counts = new HashMap<>();
        for (int t : recentTokens) {
            counts.merge(t, 1, Integer::sum);
        }
        for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
            int t = e.getKey();
            double r = params.repetitionPenalty();
            l[t] = l[t] > 0 ? l[t] / r : l[t] * r;
            l[t] -= e.getValue() * (double) params.frequencyPenalty() + params.presencePenalty();
        }
        if (params.isGreedy()) {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (l[i] > l[best]) {
                    best = i;
                }
            }
            return best;
        }
        List<Integer> order = new ArrayList<>(vocab);
        for (int i = 0; i < vocab; i++) {
            l[i] /= params.temperature();
            order.add(i);
        }
        order.sort((a, b) -> l[a] != l[b] ? Double.compare(l[b], l[a]) : Integer.compare(a, b));
        int keep = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;
        double max = l[order.get(0)];
        if (max == Double.NEGATIVE_INFINITY) {
            return order.get(0);
        }
        double[] p = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            double x = l[order.get(i)];
            p[i] = x == max ? 1.0 : Math.exp(x - max);  // exact at the top, also when max is +inf
            total += p[i];
        }
        if (params.topP() < 1f) {
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += p[i] / total;
                if (cumulative >= params.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (params.minP() > 0f) {
            double threshold = params.minP() * p[0];
            int kept = 1;
            while (kept < keep && p[kept] >= threshold) {
                kept++;
            }
            keep = kept;
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += p[i];
        }
        double target = uniform * kept;
        double cumulative = 0;
        for (int i = 0; i < keep; i++) {
            cumulative += p[i];
            if (cumulative > target) {
                return order.get(i);
            }
        }
        return order.get(keep - 1);
    }
}
