package dev.llmaccel.model.llama;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.embedding.Embedding;

/**
 * The transformer blocks of a Llama-family model over n rows, shared by the one-conversation
 * {@link LlamaSession} and the many-sequence {@link LlamaBatchRunner}: they differ only in where
 * positions come from and where keys and values go, which the caller's {@link AttentionStep} does.
 */
final class Blocks {
    /** Rotates the rows' queries and keys and attends them: r.qHeads, r.kHeads, r.vHeads to r.attHeads. */
    interface AttentionStep {
        void attend(int layer, Activations.Rows r);
    }

    private final LlamaConfig c;
    private final LlamaWeights w;
    private final Backend backend;
    private final Embedding embedding;

    Blocks(LlamaConfig c, LlamaWeights w, Backend backend) {
        this.c = c;
        this.w = w;
        this.backend = backend;
        this.embedding = new Embedding(backend);
    }

    /** Runs every block over the rows' tokens ids, leaving the residual stream in r.x. */
    void run(Activations.Rows r, int[] ids, AttentionStep attention) {
        embedding.lookup(r.x, w.tokenEmbedding, ids);
        for (int l = 0; l < c.layers(); l++) {
            LlamaWeights.Layer L = w.layers[l];
            // attention: x += wo · attention(rope(norm(wq · xn)), rope(norm(wk · xn)), wv · xn)
            backend.rmsNorm(r.xb, r.x, L.attnNorm(), c.rmsEps());
            backend.matmul(r.q, r.xb, L.wq());
            backend.matmul(r.k, r.xb, L.wk());
            backend.matmul(r.v, r.xb, L.wv());
            if (L.bq() != null) {
                backend.add(r.q, r.q, L.bq());
                backend.add(r.k, r.k, L.bk());
                backend.add(r.v, r.v, L.bv());
            }
            if (L.qNorm() != null) {
                backend.rmsNorm(r.qPerHead, r.qPerHead, L.qNorm(), c.rmsEps());
                backend.rmsNorm(r.kPerHead, r.kPerHead, L.kNorm(), c.rmsEps());
            }
            attention.attend(l, r);
            backend.matmul(r.xb, r.att, L.wo());
            backend.add(r.x, r.x, r.xb);
            // feed-forward: x += wDown · (silu(wGate · xn) * (wUp · xn))
            backend.rmsNorm(r.xb, r.x, L.ffnNorm(), c.rmsEps());
            backend.matmul(r.hb, r.xb, L.wGate());
            backend.matmul(r.hb2, r.xb, L.wUp());
            backend.swiglu(r.hb, r.hb, r.hb2);
            backend.matmul(r.xb, r.hb, L.wDown());
            backend.add(r.x, r.x, r.xb);
        }
    }
}
