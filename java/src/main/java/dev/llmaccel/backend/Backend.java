package dev.llmaccel.backend;

import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.Tensor;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.logging.Logger;

/**
 * A set of kernels on one device. Every public op checks its arguments here, once for all
 * backends (shapes, types, devices, ids in range, closed tensors), and only then calls the
 * backend's kernel: a bad argument is an exception with a message, never a crash.
 *
 * <p>Conventions: outputs first; activations are F32; "(n, k)" below means a tensor whose last
 * dimension is k and whose leading dimensions multiply to n. Unless an op says otherwise, an
 * output may be the same tensor as an input (in place), but must not partially overlap one.
 */
public abstract class Backend implements AutoCloseable {

    /** Short name: "cpu", "cuda", "reference". */
    public abstract String name();

    /** Where this backend's tensors live. */
    public abstract Device device();

    /**
     * Whether this backend runs op for weights (or inputs) of the given type. Callers that get
     * false run the op on another backend (see {@link Backends#cpu()}).
     */
    public abstract boolean supports(Op op, DType dtype);

    /**
     * Bytes of this backend's device memory free for new buffers now, or -1 when unknown: the
     * host's available memory here; a GPU backend answers its device's free memory. The default
     * {@link MemoryLimit} of every cache and activation set.
     */
    public long availableMemory() {
        return MemoryLimit.hostAvailable();
    }

    /** A zero-filled tensor on this backend's device. */
    public abstract Tensor allocate(DType dtype, long... shape);

    /** A tensor on this backend's device holding a copy of t (t itself when it already lives there). */
    public Tensor upload(Tensor t) {
        t.checkOpen();
        if (t.device() == device()) {
            return t;
        }
        throw new UnsupportedOperationException(name() + " cannot take tensors from " + t.device());
    }

    /**
     * A host tensor holding a copy of t (t itself when it already lives on the host). The caller
     * closes the copy.
     */
    public Tensor download(Tensor t) {
        t.checkOpen();
        if (t.device() == Device.CPU) {
            return t;
        }
        return Tensor.ofBytes(t.dtype(), t.toBytes(), t.shape());
    }

    /**
     * The backend that runs the ops this one declines ({@link #supports} false): the op runs there
     * on host copies of its arguments and its outputs are copied back. Null (the default) makes a
     * declined op throw {@link UnsupportedOperationException}.
     */
    protected Backend fallback() {
        return null;
    }

    /** Copies host tensor src into dst, a tensor of this backend of the same type and shape. */
    protected void copyFromHost(Tensor dst, Tensor src) {
        dst.copyFromBytes(src.toBytes());
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return name();
    }

    // ---- ops -------------------------------------------------------------------------------------

    /** Copies src into dst (same type and shape). */
    public final void copy(Tensor dst, Tensor src) {
        onDevice(dst, src);
        writable(dst);
        if (dst.dtype() != src.dtype() || !Arrays.equals(dst.shape(), src.shape())) {
            throw new IllegalArgumentException("copy needs equal types and shapes: " + dst + " <- " + src);
        }
        noOverlap(dst, src, true, "copy");
        require(Op.COPY, src.dtype());
        observe(Op.COPY, () -> copyKernel(dst, src), new long[] {src.bytes()}, dst, src);
    }

    /**
     * Embedding lookup: out[i] = table[ids[i]] as F32.
     *
     * @param out (n, d) F32
     * @param table (vocab, d), any type
     * @param ids n ids in [0, vocab)
     */
    public final void embedding(Tensor out, Tensor table, int[] ids) {
        onDevice(out, table);
        writable(out);
        f32(out, "embedding output");
        rank(table, 2, "embedding table");
        long d = table.dim(1);
        long vocab = table.dim(0);
        if (ids == null) {
            throw new NullPointerException("ids");
        }
        if (out.dim(-1) != d || rowsOf(out) != ids.length) {
            throw new IllegalArgumentException("embedding output must be (" + ids.length + ", " + d + "), got " + out);
        }
        noOverlap(out, table, false, "embedding");
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IndexOutOfBoundsException("token id " + ids[i] + " at " + i + " outside [0, " + vocab + ")");
            }
        }
        if (!runsHere(Op.EMBEDDING, table.dtype())) {
            observeFallback(Op.EMBEDDING, () -> runOnFallback(Op.EMBEDDING, table.dtype(), 1,
                    (f, h) -> f.embedding(h[0], h[1], ids), out, table), new long[] {ids.length, d}, out, table);
            return;
        }
        observe(Op.EMBEDDING, () -> embeddingKernel(out, table, ids), new long[] {ids.length, d}, out, table);
    }

    /**
     * out = x · wᵀ.
     *
     * @param out (n, m) F32
     * @param x (n, k) F32
     * @param w (m, k), any type
     */
    public final void matmul(Tensor out, Tensor x, Tensor w) {
        onDevice(out, x, w);
        writable(out);
        f32(out, "matmul output");
        f32(x, "matmul input");
        rank(w, 2, "matmul weight");
        long m = w.dim(0);
        long k = w.dim(1);
        if (x.dim(-1) != k) {
            throw new IllegalArgumentException("matmul input " + x + " does not match weight " + w + ": last dimension must be " + k);
        }
        long n = rowsOf(x);
        if (out.dim(-1) != m || rowsOf(out) != n) {
            throw new IllegalArgumentException("matmul output must be (" + n + ", " + m + "), got " + out);
        }
        if (out.storage() == x.storage()) {
            throw new IllegalArgumentException("matmul output must not share memory with its input");
        }
        noOverlap(out, w, false, "matmul");
        if (!runsHere(Op.MATMUL, w.dtype())) {
            observeFallback(Op.MATMUL, () -> runOnFallback(Op.MATMUL, w.dtype(), 1, (f, h) -> f.matmul(h[0], h[1], h[2]),
                    out, x, w), new long[] {n, k, m}, out, x, w);
            return;
        }
        observe(Op.MATMUL, () -> matmulKernel(out, x, w, n, k, m), new long[] {n, k, m}, out, x, w);
    }

    /**
     * RMS normalisation over the last dimension: out = x / sqrt(mean(x²) + eps) * weight.
     *
     * @param out (n, d) F32
     * @param x (n, d) F32
     * @param weight (d) F32
     */
    public final void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        rowwise(Op.RMS_NORM, out, x, new Tensor[] {weight}, new float[] {eps});
    }

    /**
     * Layer normalisation over the last dimension: out = (x - mean) / sqrt(var + eps) * weight + bias.
     *
     * @param out (n, d) F32
     * @param x (n, d) F32
     * @param weight (d) F32
     * @param bias (d) F32, or null
     */
    public final void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        rowwise(Op.LAYER_NORM, out, x, new Tensor[] {weight, bias}, new float[] {eps});
    }

    /**
     * Rotary position embedding, in place. Token t of the sequence axis sits at position
     * positionOffset + t.
     *
     * @param x (batch, seq, heads, headDim) or (seq, heads, headDim) F32, headDim even
     */
    public final void rope(Tensor x, long positionOffset, RopeParams params) {
        onDevice(x);
        writable(x);
        f32(x, "rope input");
        if (x.rank() != 3 && x.rank() != 4) {
            throw new IllegalArgumentException("rope input must be (seq, heads, headDim) or (batch, seq, heads, headDim), got " + x);
        }
        if (params == null) {
            throw new NullPointerException("params");
        }
        long headDim = x.dim(-1);
        checkRope(headDim, params);
        if (positionOffset < 0 || positionOffset > Integer.MAX_VALUE - x.dim(-3)) {
            throw new IllegalArgumentException("rope position offset " + positionOffset + " out of range");
        }
        require(Op.ROPE, DType.F32);
        long batch = x.rank() == 4 ? x.dim(0) : 1;
        long seq = x.dim(-3);
        long heads = x.dim(-2);
        observe(Op.ROPE, () -> ropeKernel(x, positionOffset, params, batch, seq, heads, headDim),
                new long[] {batch, seq, heads, headDim}, x);
    }

    /**
     * Rotary position embedding, in place, for rows at positions of their own: row t sits at
     * positions[t] (the rows of a batch that continues several sequences).
     *
     * @param x (rows, heads, headDim) F32, headDim even
     * @param positions one position >= 0 per row
     */
    public final void rope(Tensor x, int[] positions, RopeParams params) {
        onDevice(x);
        writable(x);
        f32(x, "rope input");
        rank(x, 3, "rope input");
        if (params == null || positions == null) {
            throw new NullPointerException(params == null ? "params" : "positions");
        }
        if (positions.length != x.dim(0)) {
            throw new IllegalArgumentException("rope needs one position per row of " + x + ", got " + positions.length);
        }
        for (int p : positions) {
            if (p < 0) {
                throw new IllegalArgumentException("rope position " + p + " is negative");
            }
        }
        checkRope(x.dim(-1), params);
        require(Op.ROPE, DType.F32);
        int[] copy = positions.clone();
        observe(Op.ROPE, () -> ropeRowsKernel(x, copy, params, x.dim(0), x.dim(1), x.dim(2)),
                new long[] {x.dim(0), x.dim(1), x.dim(2)}, x);
    }

    // The elementwise family: each public method names its Op, whose description (Elementwise)
    // says the rest; out may be any input (in place).

    /** out = silu(gate) * up, elementwise. */
    public final void swiglu(Tensor out, Tensor gate, Tensor up) {
        elementwise(Op.SWIGLU, out, NO_SCALARS, gate, up);
    }

    /** out = gelu(x) with the exact erf form, elementwise. */
    public final void gelu(Tensor out, Tensor x) {
        elementwise(Op.GELU, out, NO_SCALARS, x);
    }

    /** out = alpha * x, elementwise. */
    public final void scale(Tensor out, Tensor x, float alpha) {
        elementwise(Op.SCALE, out, new float[] {alpha}, x);
    }

    private static final float[] NO_SCALARS = {};
    private static final Tensor[] NO_TENSORS = {};

    /**
     * Checks and runs an elementwise op, for its public method (and the op suite): every tensor
     * F32 of out's shape, on this device; out writable and, if it shares memory with an input,
     * the very same memory; the scalars finite; on the fallback when this backend declines op.
     */
    final void elementwise(Op op, Tensor out, float[] scalars, Tensor... inputs) {
        Elementwise e = op.elementwise();
        if (e.inputs() != inputs.length || e.scalars() != scalars.length) {
            throw new IllegalStateException(op + " takes " + e.inputs() + " tensors and " + e.scalars() + " scalars");
        }
        String name = op.kernelName();
        Tensor[] tensors = new Tensor[1 + inputs.length];  // outputs first, as the listener sees them
        tensors[0] = out;
        System.arraycopy(inputs, 0, tensors, 1, inputs.length);
        onDevice(tensors);
        writable(out);
        for (Tensor in : inputs) {
            sameShapeF32(out, in, name);
            noOverlap(out, in, true, name);
        }
        for (float s : scalars) {
            if (!Float.isFinite(s)) {
                throw new IllegalArgumentException(name + " needs finite scalars, got " + s);
            }
        }
        long n = out.elements();
        if (!runsHere(op, DType.F32)) {
            observeFallback(op, () -> runOnFallback(op, DType.F32, 1,
                    (f, h) -> f.elementwise(op, h[0], scalars, Arrays.copyOfRange(h, 1, h.length)), tensors),
                    new long[] {n}, tensors);
            return;
        }
        observe(op, () -> elementwiseKernel(op, out, inputs, scalars, n), new long[] {n}, tensors);
    }

    /**
     * Checks and runs an op over rows, for its public method (and the op suite): out and x F32 of
     * one shape, out writable and, if it shares memory with x, the very same memory; each vector F32
     * (d) sharing no memory with out (the optional last one may be null); the scalars epsilons; on
     * the fallback when this backend declines op.
     */
    final void rowwise(Op op, Tensor out, Tensor x, Tensor[] vectors, float[] scalars) {
        Rowwise r = op.rowwise();
        if (r.vectors().size() != vectors.length || r.scalars() != scalars.length) {
            throw new IllegalStateException(op + " takes " + r.vectors().size() + " vectors and " + r.scalars() + " scalars");
        }
        String name = op.kernelName();
        Tensor[] tensors = new Tensor[2 + vectors.length];  // out, x, vectors: as the listener sees them
        tensors[0] = out;
        tensors[1] = x;
        System.arraycopy(vectors, 0, tensors, 2, vectors.length);
        onDevice(out, x);
        writable(out);
        sameShapeF32(out, x, name);
        noOverlap(out, x, true, name);
        for (int j = 0; j < vectors.length; j++) {
            if (vectors[j] == null && r.optionalLast() && j == vectors.length - 1) {
                continue;
            }
            onDevice(vectors[j]);
            vector(vectors[j], x.dim(-1), name + " " + r.vectors().get(j));
            noOverlap(out, vectors[j], false, name);
        }
        for (float s : scalars) {
            eps(s);
        }
        long n = rowsOf(x);
        long d = x.dim(-1);
        if (!runsHere(op, DType.F32)) {
            observeFallback(op, () -> runOnFallback(op, DType.F32, 1,
                    (f, h) -> f.rowwise(op, h[0], h[1], Arrays.copyOfRange(h, 2, h.length), scalars), tensors),
                    new long[] {n, d}, tensors);
            return;
        }
        observe(op, () -> rowwiseKernel(op, out, x, vectors, scalars, n, d), new long[] {n, d}, tensors);
    }

    /**
     * out = a + b. b has a's shape, or is a row (d) added to every row of a (n, d).
     */
    public final void add(Tensor out, Tensor a, Tensor b) {
        onDevice(out, a, b);
        writable(out);
        sameShapeF32(out, a, "add");
        f32(b, "add operand");
        boolean full = Arrays.equals(a.shape(), b.shape());
        if (!full && !(b.rank() == 1 && b.dim(0) == a.dim(-1))) {
            throw new IllegalArgumentException("add operand " + b + " must have the shape of " + a + " or be one row of it");
        }
        noOverlap(out, a, true, "add");
        noOverlap(out, b, full, "add");
        require(Op.ADD, DType.F32);
        long n = rowsOf(a);
        long d = a.dim(-1);
        observe(Op.ADD, () -> addKernel(out, a, b, n, d, full), new long[] {n, d}, out, a, b);
    }

    /**
     * Softmax over the last dimension. A row holding +inf gets its limit: the +inf entries share
     * all the weight evenly, every other entry is 0 (not exp(inf - inf) = NaN).
     */
    public final void softmax(Tensor out, Tensor x) {
        rowwise(Op.SOFTMAX, out, x, NO_TENSORS, NO_SCALARS);
    }

    /**
     * Scaled dot-product attention with grouped-query heads (query head h reads key/value head
     * h / (heads / kvHeads)), computed without materialising the score matrix. See
     * {@link AttentionParams} for which keys each query sees.
     *
     * @param out (batch, nq, heads, headDim) F32
     * @param q (batch, nq, heads, headDim) F32
     * @param k (batch, capacity, kvHeads, headDim) F32; rows [0, kvLength) are used
     * @param v (batch, capacity, kvHeads, headDim) F32
     */
    public final void attention(Tensor out, Tensor q, Tensor k, Tensor v, AttentionParams params) {
        onDevice(out, q, k, v);
        writable(out);
        if (params == null) {
            throw new NullPointerException("params");
        }
        Tensor q4 = as4d(q, "query");
        Tensor k4 = as4d(k, "key");
        Tensor v4 = as4d(v, "value");
        sameShapeF32(out, q, "attention");
        f32(k, "attention keys");
        f32(v, "attention values");
        if (!Arrays.equals(k4.shape(), v4.shape())) {
            throw new IllegalArgumentException("keys " + k + " and values " + v + " must have the same shape");
        }
        long batch = q4.dim(0);
        long nq = q4.dim(1);
        long heads = q4.dim(2);
        long headDim = q4.dim(3);
        long capacity = k4.dim(1);
        long kvHeads = k4.dim(2);
        if (k4.dim(0) != batch || k4.dim(3) != headDim) {
            throw new IllegalArgumentException("keys " + k + " must be (" + batch + ", capacity, kvHeads, " + headDim + ")");
        }
        if (kvHeads == 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads are not a multiple of " + kvHeads + " key/value heads");
        }
        if (params.kvLength() > capacity) {
            throw new IllegalArgumentException("kv length " + params.kvLength() + " exceeds the " + capacity + " key rows");
        }
        noOverlap(out, q, true, "attention");
        noOverlap(out, k, false, "attention");
        noOverlap(out, v, false, "attention");
        int[] mask = params.mask();
        if (mask != null && mask.length != batch * params.kvLength()) {
            throw new IllegalArgumentException("attention mask must have batch * kvLength = "
                    + batch * params.kvLength() + " entries, got " + mask.length);
        }
        require(Op.ATTENTION, DType.F32);
        observe(Op.ATTENTION, () -> attentionKernel(out, q, k, v, params, mask, batch, nq, heads, kvHeads, headDim,
                capacity), new long[] {batch, nq, heads, kvHeads, headDim, capacity}, out, q, k, v);
    }

    /**
     * Writes the keys and values of a batch's rows into a paged cache: row i of k and v goes to the
     * slot of row i's position (see {@link PagedAttentionParams}). Run it before
     * {@link #pagedAttention} of the same rows, which reads them back.
     *
     * @param kPool (blocks, kvHeads, headDim, blockSize) F32: per block and head, the keys transposed
     * @param vPool (blocks, kvHeads, blockSize, headDim) F32: per block and head, the values as rows
     * @param k (rows, kvHeads, headDim) F32
     * @param v (rows, kvHeads, headDim) F32
     * @throws IllegalArgumentException when two rows share a slot or a block id is outside the pool
     */
    public final void pagedKvWrite(Tensor kPool, Tensor vPool, Tensor k, Tensor v, PagedAttentionParams params) {
        onDevice(kPool, vPool, k, v);
        writable(kPool);
        writable(vPool);
        if (params == null) {
            throw new NullPointerException("params");
        }
        checkPools(kPool, vPool, params);
        f32(k, "paged keys");
        f32(v, "paged values");
        if (k.rank() != 3 || !Arrays.equals(k.shape(), v.shape()) || k.dim(0) != params.rows()
                || k.dim(1) != vPool.dim(1) || k.dim(2) != vPool.dim(3)) {
            throw new IllegalArgumentException("new keys " + k + " and values " + v + " must both be (" + params.rows()
                    + ", " + vPool.dim(1) + ", " + vPool.dim(3) + ")");
        }
        noOverlap(kPool, k, false, "paged kv write");
        noOverlap(kPool, v, false, "paged kv write");
        noOverlap(vPool, k, false, "paged kv write");
        noOverlap(vPool, v, false, "paged kv write");
        noOverlap(kPool, vPool, false, "paged kv write");
        int[] slots = new int[params.rows()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = params.slot(i);
        }
        int[] sorted = slots.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException("two rows write cache slot " + sorted[i]);
            }
        }
        require(Op.PAGED_KV_WRITE, DType.F32);
        long[] sizes = {slots.length, vPool.dim(1), vPool.dim(3), vPool.dim(2)};
        observe(Op.PAGED_KV_WRITE, () -> pagedKvWriteKernel(kPool, vPool, k, v, slots, sizes[0], sizes[1], sizes[2],
                sizes[3]), sizes, kPool, vPool, k, v);
    }

    /**
     * Causal attention of a batch's rows, each over the cached keys and values of its own sequence
     * (positions 0 .. its own, read through the block tables of params), with grouped-query heads
     * (query head h reads key/value head h / (heads / kvHeads)). Each output row depends on its own
     * query and keys only, never on the other rows: a sequence gets the same result in any batch.
     *
     * @param out (rows, heads, headDim) F32
     * @param q (rows, heads, headDim) F32
     * @param kPool (blocks, kvHeads, headDim, blockSize) F32 (see {@link #pagedKvWrite})
     * @param vPool (blocks, kvHeads, blockSize, headDim) F32
     * @throws IllegalArgumentException when a block id a row reaches is outside the pool
     */
    public final void pagedAttention(Tensor out, Tensor q, Tensor kPool, Tensor vPool, PagedAttentionParams params) {
        onDevice(out, q, kPool, vPool);
        writable(out);
        if (params == null) {
            throw new NullPointerException("params");
        }
        checkPools(kPool, vPool, params);
        sameShapeF32(out, q, "paged attention");
        long heads = q.rank() == 3 ? q.dim(1) : 0;
        long kvHeads = vPool.dim(1);
        long headDim = vPool.dim(3);
        if (q.rank() != 3 || q.dim(0) != params.rows() || q.dim(2) != headDim || heads % kvHeads != 0) {
            throw new IllegalArgumentException("queries must be (" + params.rows() + ", heads, " + headDim
                    + ") with heads a multiple of " + kvHeads + ", got " + q);
        }
        noOverlap(out, q, true, "paged attention");
        noOverlap(out, kPool, false, "paged attention");
        noOverlap(out, vPool, false, "paged attention");
        require(Op.PAGED_ATTENTION, DType.F32);
        observe(Op.PAGED_ATTENTION, () -> pagedAttentionKernel(out, q, kPool, vPool, params.scale(), params.blockSize(),
                params.tables(), params.maxBlocks(), params.sequenceOfRows(), params.positionOfRows(), params.rows(),
                heads, kvHeads, headDim), new long[] {params.rows(), heads, kvHeads, headDim}, out, q, kPool, vPool);
    }

    /**
     * Pools each sequence of a batch into one vector.
     *
     * @param out (batch, d) F32
     * @param x (batch, seq, d) F32
     * @param mask batch * seq ints, 0 for padding; null keeps every token
     */
    public final void pool(Tensor out, Tensor x, int[] mask, Pooling mode) {
        onDevice(out, x);
        writable(out);
        f32(out, "pool output");
        f32(x, "pool input");
        rank(x, 3, "pool input");
        if (mode == null) {
            throw new NullPointerException("mode");
        }
        long batch = x.dim(0);
        long seq = x.dim(1);
        long d = x.dim(2);
        if (out.rank() != 2 || out.dim(0) != batch || out.dim(1) != d) {
            throw new IllegalArgumentException("pool output must be (" + batch + ", " + d + "), got " + out);
        }
        if (out.storage() == x.storage()) {
            throw new IllegalArgumentException("pool output must not share memory with its input");
        }
        int[] m = mask == null ? null : mask.clone();
        if (m != null && m.length != batch * seq) {
            throw new IllegalArgumentException("pool mask must have batch * seq = " + batch * seq + " entries, got " + m.length);
        }
        require(Op.POOL, DType.F32);
        observe(Op.POOL, () -> poolKernel(out, x, m, mode, batch, seq, d), new long[] {batch, seq, d}, out, x);
    }

    /** Scales each row of x to unit L2 norm (a zero row stays zero). */
    public final void l2Normalize(Tensor out, Tensor x) {
        rowwise(Op.L2_NORMALIZE, out, x, NO_TENSORS, NO_SCALARS);
    }

    /**
     * Picks the next token from a row of logits; see {@link SamplingParams} for the steps.
     *
     * @param logits (vocab) F32
     * @param recentTokens the tokens penalties look at (ids in [0, vocab)); may be empty
     * @param uniform a draw in [0, 1) from the caller's seeded generator (ignored when greedy)
     */
    public final int sample(Tensor logits, SamplingParams params, int[] recentTokens, double uniform) {
        onDevice(logits);
        f32(logits, "logits");
        rank(logits, 1, "logits");
        if (params == null || recentTokens == null) {
            throw new NullPointerException(params == null ? "params" : "recentTokens");
        }
        long vocab = logits.dim(0);
        if (vocab == 0) {
            throw new IllegalArgumentException("cannot sample from an empty vocabulary");
        }
        for (int t : recentTokens) {
            if (t < 0 || t >= vocab) {
                throw new IndexOutOfBoundsException("recent token " + t + " outside [0, " + vocab + ")");
            }
        }
        for (Map.Entry<Integer, Float> e : params.logitBias().entrySet()) {
            if (e.getKey() >= vocab) {
                throw new IndexOutOfBoundsException("logit bias for token " + e.getKey() + " outside [0, " + vocab + ")");
            }
        }
        if (!(uniform >= 0 && uniform < 1)) {
            throw new IllegalArgumentException("uniform draw must be in [0, 1), got " + uniform);
        }
        require(Op.SAMPLE, DType.F32);
        int[] token = new int[1];
        observe(Op.SAMPLE, () -> token[0] = sampleKernel(logits, params, recentTokens, uniform, (int) vocab),
                new long[] {vocab}, logits);
        // Samplers count NaN as -inf, so they pick a NaN logit only when no logit is a number: a
        // model that overflowed, which must not go on as token after token of id 0.
        try (Tensor chosen = logits.rows(token[0], 1)) {
            if (Float.isNaN(chosen.toFloatArray()[0])) {
                throw new NonFiniteResultException("logits contain NaN: the model's weights or activations overflowed");
            }
        }
        return token[0];
    }

    // ---- kernels: the SPI a backend implements ----------------------------------------------------
    //
    // Arguments are already checked. Each kernel a backend does not override reports "not
    // implemented" (UnsupportedOperationException), so test doubles and wrappers override only
    // the kernels they change; supports() must answer false for those ops.

    /** The exception of a kernel this backend does not implement. */
    protected final UnsupportedOperationException notImplemented(Op op) {
        return new UnsupportedOperationException(name() + " has no " + op + " kernel");
    }

    protected void copyKernel(Tensor dst, Tensor src) {
        throw notImplemented(Op.COPY);
    }

    protected void embeddingKernel(Tensor out, Tensor table, int[] ids) {
        throw notImplemented(Op.EMBEDDING);
    }

    protected void matmulKernel(Tensor out, Tensor x, Tensor w, long n, long k, long m) {
        throw notImplemented(Op.MATMUL);
    }

    protected void ropeKernel(Tensor x, long positionOffset, RopeParams params, long batch, long seq, long heads, long headDim) {
        throw notImplemented(Op.ROPE);
    }

    /** positions is a copy, one per row. */
    protected void ropeRowsKernel(Tensor x, int[] positions, RopeParams params, long rows, long heads, long headDim) {
        throw notImplemented(Op.ROPE);
    }

    /**
     * The kernel of an op over rows (see {@link Op#isRowwise()}): out (n, d) = f(x (n, d)) row by
     * row; vectors (d) and scalars have the counts op's description gives (an absent optional
     * vector is null).
     */
    protected void rowwiseKernel(Op op, Tensor out, Tensor x, Tensor[] vectors, float[] scalars, long n, long d) {
        throw notImplemented(op);
    }

    /**
     * The kernel of an elementwise op (see {@link Op#isElementwise()}): out = f(inputs, scalars) over
     * n elements; inputs and scalars have the counts op's description gives.
     */
    protected void elementwiseKernel(Op op, Tensor out, Tensor[] inputs, float[] scalars, long n) {
        throw notImplemented(op);
    }

    /** full: b has a's shape; otherwise b is one row of d values added to each of the n rows. */
    protected void addKernel(Tensor out, Tensor a, Tensor b, long n, long d, boolean full) {
        throw notImplemented(Op.ADD);
    }

    /** mask is params.mask() (already copied), or null. */
    protected void attentionKernel(Tensor out, Tensor q, Tensor k, Tensor v, AttentionParams params, int[] mask,
            long batch, long nq, long heads, long kvHeads, long headDim, long capacity) {
        throw notImplemented(Op.ATTENTION);
    }

    /** Row i of k and v into slot slots[i] of the pools (layouts of {@link #pagedKvWrite}). */
    protected void pagedKvWriteKernel(Tensor kPool, Tensor vPool, Tensor k, Tensor v, int[] slots, long n,
            long kvHeads, long headDim, long blockSize) {
        throw notImplemented(Op.PAGED_KV_WRITE);
    }

    /** The arrays are params' own (already checked); the kernel must not keep them. */
    protected void pagedAttentionKernel(Tensor out, Tensor q, Tensor kPool, Tensor vPool, float scale,
            int blockSize, int[] blockTables, int maxBlocks, int[] rowSequence, int[] rowPosition, long n, long heads,
            long kvHeads, long headDim) {
        throw notImplemented(Op.PAGED_ATTENTION);
    }

    protected void poolKernel(Tensor out, Tensor x, int[] mask, Pooling mode, long batch, long seq, long d) {
        throw notImplemented(Op.POOL);
    }

    protected int sampleKernel(Tensor logits, SamplingParams params, int[] recentTokens, double uniform, int vocab) {
        throw notImplemented(Op.SAMPLE);
    }

    // ---- the op listener --------------------------------------------------------------------------

    private volatile OpListener listener;

    /**
     * Sets the one listener told of every op of this backend (after its arguments were checked,
     * around its kernel, also when the op runs on the fallback); null removes it. Timing and tracing
     * go through it. Without a listener an op costs no more than its kernel call.
     */
    public final void setOpListener(OpListener listener) {
        this.listener = listener;
    }

    /** The listener {@link #setOpListener} set, or null. */
    public final OpListener opListener() {
        return listener;
    }

    /**
     * Runs kernel, telling the listener (if any) before and after; sizes are the kernel's integer
     * arguments. The memory of every tensor is held live for the whole call ({@link
     * dev.llmaccel.tensor.Storage#beginUse()}): a file another thread closes meanwhile is unmapped
     * only after the kernel is done with it, and a tensor already closed fails here, before the kernel.
     */
    private void observe(Op op, Runnable kernel, long[] sizes, Tensor... tensors) {
        observe(op, null, kernel, sizes, tensors);
    }

    /** {@link #observe} for an op that runs on {@link #fallback()} (the listener's call says so). */
    private void observeFallback(Op op, Runnable kernel, long[] sizes, Tensor... tensors) {
        observe(op, fallback(), kernel, sizes, tensors);
    }

    private void observe(Op op, Backend ranOn, Runnable kernel, long[] sizes, Tensor... tensors) {
        int held = 0;
        try {
            for (; held < tensors.length; held++) {
                if (tensors[held] != null) {
                    tensors[held].storage().beginUse();
                }
            }
            observeLive(op, ranOn, kernel, sizes, tensors);
        } finally {
            for (int i = 0; i < held; i++) {
                if (tensors[i] != null) {
                    tensors[i].storage().endUse();
                }
            }
        }
    }

    private void observeLive(Op op, Backend ranOn, Runnable kernel, long[] sizes, Tensor... tensors) {
        OpListener l = listener;
        if (l == null) {
            kernel.run();
            return;
        }
        OpCall call = new OpCall(this, ranOn, op, tensors, sizes);
        l.started(call);
        long t0 = System.nanoTime();
        try {
            kernel.run();
        } finally {
            l.finished(call, System.nanoTime() - t0);
        }
    }

    // ---- per-op fallback --------------------------------------------------------------------------

    private static final Logger LOG = Logger.getLogger("dev.llmaccel");
    private final Set<String> fallbacksLogged = ConcurrentHashMap.newKeySet();

    /** Whether op runs on this backend for dtype; false when it goes to the fallback; throws if none. */
    private boolean runsHere(Op op, DType dtype) {
        if (supports(op, dtype)) {
            return true;
        }
        Backend f = fallback();
        if (f == null || !f.supports(op, dtype)) {
            throw new UnsupportedOperationException(name() + " has no " + op + " kernel for " + dtype);
        }
        return false;
    }

    /**
     * Runs a declined op on {@link #fallback()}: each distinct tensor argument is copied to the
     * host, op runs on the copies, and the first {@code outputs} arguments (outputs come first)
     * get the results back. Every copy is closed, also when op throws.
     */
    private void runOnFallback(Op op, DType dtype, int outputs, BiConsumer<Backend, Tensor[]> run, Tensor... args) {
        Backend f = fallback();
        if (fallbacksLogged.add(op + " " + dtype)) {
            LOG.info(() -> name() + " runs " + op + " for " + dtype + " on " + f.name() + " (arguments copied to the host)");
        }
        Map<Tensor, Tensor> copies = new IdentityHashMap<>();
        try {
            Tensor[] host = new Tensor[args.length];
            for (int i = 0; i < args.length; i++) {
                Tensor a = args[i];
                host[i] = a == null ? null : copies.computeIfAbsent(a, this::download);  // an absent optional one
            }
            run.accept(f, host);
            for (int i = 0; i < outputs; i++) {
                if (host[i] != args[i]) {
                    copyFromHost(args[i], host[i]);
                }
            }
        } finally {
            for (Map.Entry<Tensor, Tensor> e : copies.entrySet()) {
                if (e.getValue() != e.getKey()) {
                    e.getValue().close();
                }
            }
        }
    }

    // ---- checks ----------------------------------------------------------------------------------

    private void require(Op op, DType dtype) {
        if (!supports(op, dtype)) {
            throw new UnsupportedOperationException(name() + " has no " + op + " kernel for " + dtype);
        }
    }

    private void onDevice(Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t == null) {
                throw new NullPointerException("tensor argument is null");
            }
            t.checkOpen();
            if (t.device() != device()) {
                throw new IllegalArgumentException(name() + " backend got a tensor on " + t.device() + ": " + t);
            }
        }
    }

    private static void writable(Tensor t) {
        if (!t.isWritable()) {
            throw new IllegalArgumentException("output tensor " + t + " is read-only");
        }
    }

    private static void f32(Tensor t, String what) {
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException(what + " must be F32, got " + t);
        }
        if (t.rank() == 0) {
            throw new IllegalArgumentException(what + " must have at least one dimension, got " + t);
        }
    }

    private static void rank(Tensor t, int rank, String what) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(what + " must have " + rank + " dimensions, got " + t);
        }
    }

    private static void sameShapeF32(Tensor a, Tensor b, String op) {
        f32(a, op + " tensor");
        f32(b, op + " tensor");
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + " needs equal shapes: " + a + " and " + b);
        }
    }

    /**
     * Throws if the output shares memory with an input, except when inPlace allows the very same
     * memory (the op reads each input element before writing the output element in its place).
     */
    private static void noOverlap(Tensor out, Tensor in, boolean inPlace, String op) {
        if (out.storage() != in.storage()) {
            return;
        }
        long lo = Math.max(out.address(), in.address());
        long hi = Math.min(out.address() + out.bytes(), in.address() + in.bytes());
        if (lo >= hi || (inPlace && out.address() == in.address() && out.bytes() == in.bytes())) {
            return;
        }
        throw new IllegalArgumentException(op + " output " + out + " overlaps its input " + in
                + (inPlace ? " without being the same memory" : ""));
    }

    private static void checkRope(long headDim, RopeParams params) {
        int rot = params.rotaryDimsFor((int) headDim);
        if (headDim % 2 != 0 || rot > headDim) {
            throw new IllegalArgumentException("rope needs an even head size >= rotary dimensions " + rot + ", got " + headDim);
        }
        float[] factors = params.freqFactors();
        if (factors != null && factors.length != rot / 2) {
            throw new IllegalArgumentException("rope frequency factors must have " + rot / 2 + " entries, got " + factors.length);
        }
    }

    private static void vector(Tensor t, long d, String what) {
        if (t.dtype() != DType.F32 || t.rank() != 1 || t.dim(0) != d) {
            throw new IllegalArgumentException(what + " must be F32 (" + d + "), got " + t);
        }
    }

    private static void eps(float eps) {
        if (!(eps >= 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("epsilon must be >= 0 and finite, got " + eps);
        }
    }

    /**
     * Pools (blocks, kvHeads, headDim, blockSize) and (blocks, kvHeads, blockSize, headDim) F32 of
     * one cache, whose block size params' matches, and every block id a row of params reaches
     * inside them.
     */
    private static void checkPools(Tensor kPool, Tensor vPool, PagedAttentionParams params) {
        f32(kPool, "key pool");
        f32(vPool, "value pool");
        if (kPool.rank() != 4 || vPool.rank() != 4 || kPool.dim(0) != vPool.dim(0) || kPool.dim(1) != vPool.dim(1)
                || kPool.dim(2) != vPool.dim(3) || kPool.dim(3) != vPool.dim(2)) {
            throw new IllegalArgumentException("key and value pools must be (blocks, kvHeads, headDim, blockSize) and"
                    + " (blocks, kvHeads, blockSize, headDim), got " + kPool + " and " + vPool);
        }
        if (vPool.dim(2) != params.blockSize()) {
            throw new IllegalArgumentException("the pools hold blocks of " + vPool.dim(2) + " slots, the tables blocks of "
                    + params.blockSize());
        }
        long blocks = kPool.dim(0);
        int[] tables = params.tables();
        int maxBlocks = params.maxBlocks();
        int[] reach = new int[params.sequences()];  // blocks each sequence's rows reach
        for (int i = 0; i < params.rows(); i++) {
            int s = params.sequenceOfRows()[i];
            reach[s] = Math.max(reach[s], params.positionOfRows()[i] / params.blockSize() + 1);
        }
        for (int s = 0; s < reach.length; s++) {
            for (int b = 0; b < reach[s]; b++) {
                int id = tables[s * maxBlocks + b];
                if (id < 0 || id >= blocks) {
                    throw new IndexOutOfBoundsException("block " + b + " of sequence " + s + " is " + id + ", outside the "
                            + blocks + " blocks of the pools");
                }
            }
        }
    }

    private static Tensor as4d(Tensor t, String what) {
        if (t.rank() == 4) {
            return t;
        }
        if (t.rank() == 3) {
            return t.view(1, t.dim(0), t.dim(1), t.dim(2));
        }
        throw new IllegalArgumentException(what + " must be (batch, len, heads, headDim) or (len, heads, headDim), got " + t);
    }

    /** Product of all dimensions but the last. */
    protected static long rowsOf(Tensor t) {
        long rows = 1;
        for (int i = 0; i < t.rank() - 1; i++) {
            rows *= t.dim(i);
        }
        return rows;
    }
}
