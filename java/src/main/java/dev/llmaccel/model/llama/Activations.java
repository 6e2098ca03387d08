package dev.llmaccel.model.llama;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.MemoryLimit;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The activation buffers of a forward pass over up to capacity rows (tokens), allocated once, and
 * views of their first n rows in the shapes the ops take.
 */
final class Activations implements AutoCloseable {
    private final LlamaConfig c;
    private final List<Tensor> buffers = new ArrayList<>();
    private final Tensor x;      // (capacity, dim) the residual stream
    private final Tensor xb;     // (capacity, dim) normed input of a sub-layer, then its output
    private final Tensor q;      // (capacity, heads * headDim)
    private final Tensor k;      // (capacity, kvHeads * headDim)
    private final Tensor v;      // (capacity, kvHeads * headDim)
    private final Tensor att;    // (capacity, heads * headDim) attention output
    private final Tensor hb;     // (capacity, hiddenDim) gate, then silu(gate) * up
    private final Tensor hb2;    // (capacity, hiddenDim) up

    /** Bytes of the buffers for capacity rows (Long.MAX_VALUE when that overflows). */
    static long bytes(LlamaConfig c, int capacity) {
        return MemoryLimit.product(capacity, 2L * c.dim() + 2L * c.queryDim() + 2L * c.kvDim() + 2L * c.hiddenDim(),
                Float.BYTES);
    }

    Activations(Backend backend, LlamaConfig c, int capacity) {
        MemoryLimit.check(backend, bytes(c, capacity), "activations for " + capacity + " tokens", "use a smaller batch");
        this.c = c;
        try {
            x = buffer(backend, capacity, c.dim());
            xb = buffer(backend, capacity, c.dim());
            q = buffer(backend, capacity, c.queryDim());
            k = buffer(backend, capacity, c.kvDim());
            v = buffer(backend, capacity, c.kvDim());
            att = buffer(backend, capacity, c.queryDim());
            hb = buffer(backend, capacity, c.hiddenDim());
            hb2 = buffer(backend, capacity, c.hiddenDim());
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            throw e;
        }
    }

    /** Views of the first n rows; close them after the pass (they own no memory). */
    Rows rows(int n) {
        return new Rows(n);
    }

    private Tensor buffer(Backend backend, long rows, long cols) {
        Tensor t = backend.allocate(DType.F32, rows, cols);
        buffers.add(t);
        return t;
    }

    @Override
    public void close() {
        buffers.forEach(Tensor::close);
    }

    /** Views of the first n rows of every activation buffer, in the shapes the ops take. */
    final class Rows implements AutoCloseable {
        final int n;
        final Tensor x, xb, q, k, v, att, hb, hb2;
        final Tensor qHeads;   // (n, heads, headDim)
        final Tensor kHeads;   // (n, kvHeads, headDim)
        final Tensor vHeads;   // (n, kvHeads, headDim)
        final Tensor attHeads; // (n, heads, headDim)
        final Tensor qPerHead; // (n * heads, headDim)
        final Tensor kPerHead; // (n * kvHeads, headDim)

        private Rows(int n) {
            this.n = n;
            x = Activations.this.x.rows(0, n);
            xb = Activations.this.xb.rows(0, n);
            q = Activations.this.q.rows(0, n);
            k = Activations.this.k.rows(0, n);
            v = Activations.this.v.rows(0, n);
            att = Activations.this.att.rows(0, n);
            hb = Activations.this.hb.rows(0, n);
            hb2 = Activations.this.hb2.rows(0, n);
            qHeads = q.view(n, c.heads(), c.headDim());
            kHeads = k.view(n, c.kvHeads(), c.headDim());
            vHeads = v.view(n, c.kvHeads(), c.headDim());
            attHeads = att.view(n, c.heads(), c.headDim());
            qPerHead = q.view((long) n * c.heads(), c.headDim());
            kPerHead = k.view((long) n * c.kvHeads(), c.headDim());
        }

        @Override
        public void close() {
            // views own no memory; closing them only marks them unusable
            for (Tensor t : new Tensor[] {x, xb, q, k, v, att, hb, hb2, qHeads, kHeads, vHeads, attHeads, qPerHead, kPerHead}) {
                t.close();
            }
        }
    }
}
