package dev.llmaccel.backend;

import static dev.llmaccel.backend.TestData.assertClose;
import static dev.llmaccel.backend.TestData.normal;
import static dev.llmaccel.backend.TestData.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * CUDA against the CPU backend on whole sequences of ops: a tiny random transformer block
 * (embedding, rmsnorm, q/k/v products, rope, attention over a KV cache, output product, residual,
 * SwiGLU MLP, final norm, logits, sampling), a 13-token prefill (batched products, prefill
 * attention) then 3 decode steps (matrix-vector products, decode attention), for every weight
 * type the CUDA kernels read and one they leave to the CPU. Sampling is compared exactly: the
 * device sampler against the reference sampler on the same (downloaded) logits.
 */
class CudaAgreementTest {
    static final int D = 256, HEADS = 4, KV_HEADS = 2, HEAD_DIM = 64, FFN = 512, VOCAB = 1000, CAPACITY = 32;
    static final int PROMPT = 13, DECODE = 3;

    /** The block's weights on the host: matrices of one type, norms in F32. */
    record Weights(Tensor table, Tensor wq, Tensor wk, Tensor wv, Tensor wo, Tensor wg, Tensor wu, Tensor wd, Tensor out,
                   Tensor attnNorm, Tensor ffnNorm, Tensor outNorm) {
        static Weights random(DType t) {
            return new Weights(
                    Tensor.of(t, normal(30, VOCAB * D, 1), VOCAB, D),
                    Tensor.of(t, normal(31, HEADS * HEAD_DIM * D, 0.06), HEADS * HEAD_DIM, D),
                    Tensor.of(t, normal(32, KV_HEADS * HEAD_DIM * D, 0.06), KV_HEADS * HEAD_DIM, D),
                    Tensor.of(t, normal(33, KV_HEADS * HEAD_DIM * D, 0.06), KV_HEADS * HEAD_DIM, D),
                    Tensor.of(t, normal(34, D * HEADS * HEAD_DIM, 0.06), D, HEADS * HEAD_DIM),
                    Tensor.of(t, normal(35, FFN * D, 0.06), FFN, D),
                    Tensor.of(t, normal(36, FFN * D, 0.06), FFN, D),
                    Tensor.of(t, normal(37, D * FFN, 0.04), D, FFN),
                    Tensor.of(t, normal(38, VOCAB * D, 0.06), VOCAB, D),
                    Tensor.of(uniform(39, D, 0.5, 1.5), D),
                    Tensor.of(uniform(40, D, 0.5, 1.5), D),
                    Tensor.of(uniform(41, D, 0.5, 1.5), D));
        }

        List<Tensor> all() {
            return List.of(table, wq, wk, wv, wo, wg, wu, wd, out, attnNorm, ffnNorm, outNorm);
        }

        Weights on(Backend b) {
            List<Tensor> u = new ArrayList<>();
            for (Tensor t : all()) {
                u.add(b.upload(t));
            }
            return new Weights(u.get(0), u.get(1), u.get(2), u.get(3), u.get(4), u.get(5), u.get(6), u.get(7), u.get(8),
                    u.get(9), u.get(10), u.get(11));
        }
    }

    /** Runs the prompt then the decode tokens; returns the logits after each forward pass (on b). */
    static List<Tensor> run(Backend b, Weights w, int[] prompt, int[] decode) {
        List<Tensor> logits = new ArrayList<>();
        try (Tensor cacheK = b.allocate(DType.F32, 1, CAPACITY, KV_HEADS, HEAD_DIM);
             Tensor cacheV = b.allocate(DType.F32, 1, CAPACITY, KV_HEADS, HEAD_DIM)) {
            logits.add(forward(b, w, prompt, 0, cacheK, cacheV));
            for (int i = 0; i < decode.length; i++) {
                logits.add(forward(b, w, new int[] {decode[i]}, prompt.length + i, cacheK, cacheV));
            }
        }
        return logits;
    }

    /** One pass over n tokens at positions p0 ..; returns the last token's logits (vocab). */
    static Tensor forward(Backend b, Weights w, int[] ids, int p0, Tensor cacheK, Tensor cacheV) {
        int n = ids.length;
        RopeParams rope = RopeParams.of(RopeStyle.NEOX, 10_000);
        try (Tensor x = b.allocate(DType.F32, n, D);                          // (n, d)
             Tensor h = b.allocate(DType.F32, n, D);
             Tensor q = b.allocate(DType.F32, n, HEADS * HEAD_DIM);           // (n, heads * hd)
             Tensor k = b.allocate(DType.F32, n, KV_HEADS * HEAD_DIM);        // (n, kvHeads * hd)
             Tensor v = b.allocate(DType.F32, n, KV_HEADS * HEAD_DIM);
             Tensor att = b.allocate(DType.F32, n, HEADS, HEAD_DIM);          // (n, heads, hd)
             Tensor o = b.allocate(DType.F32, n, D);
             Tensor g = b.allocate(DType.F32, n, FFN);                        // (n, ffn)
             Tensor u = b.allocate(DType.F32, n, FFN);
             Tensor logits = b.allocate(DType.F32, 1, VOCAB)) {               // (1, vocab)
            b.embedding(x, w.table(), ids);
            b.rmsNorm(h, x, w.attnNorm(), 1e-5f);
            b.matmul(q, h, w.wq());
            b.matmul(k, h, w.wk());
            b.matmul(v, h, w.wv());
            b.rope(q.view(n, HEADS, HEAD_DIM), p0, rope);
            b.rope(k.view(n, KV_HEADS, HEAD_DIM), p0, rope);
            try (Tensor kRows = cacheK.view(CAPACITY, KV_HEADS * HEAD_DIM).rows(p0, n);
                 Tensor vRows = cacheV.view(CAPACITY, KV_HEADS * HEAD_DIM).rows(p0, n)) {
                b.copy(kRows, k);
                b.copy(vRows, v);
            }
            AttentionParams p = new AttentionParams((float) (1 / Math.sqrt(HEAD_DIM)), true, 0, p0, p0 + n, null);
            b.attention(att, q.view(n, HEADS, HEAD_DIM), cacheK.view(CAPACITY, KV_HEADS, HEAD_DIM),
                    cacheV.view(CAPACITY, KV_HEADS, HEAD_DIM), p);
            b.matmul(o, att.view(n, HEADS * HEAD_DIM), w.wo());
            b.add(x, x, o);
            b.rmsNorm(h, x, w.ffnNorm(), 1e-5f);
            b.matmul(g, h, w.wg());
            b.matmul(u, h, w.wu());
            b.swiglu(g, g, u);
            b.matmul(o, g, w.wd());
            b.add(x, x, o);
            b.rmsNorm(h, x, w.outNorm(), 1e-5f);
            try (Tensor last = h.rows(n - 1, 1)) {
                b.matmul(logits, last, w.out());
            }
            return copyOf(b, logits.view(VOCAB));
        }
    }

    /** A copy of t on b with its own memory. */
    static Tensor copyOf(Backend b, Tensor t) {
        Tensor c = b.allocate(t.dtype(), t.shape());
        b.copy(c, t);
        return c;
    }

    /** Relative bound on the logits between two backends, per weight type. */
    static double bound(DType t) {
        return switch (t) {
            case F32 -> 1e-4;
            case F16, BF16 -> 1e-2;
            default -> 5e-2;  // the CPU quantizes activations to 8 bits for these
        };
    }

    @TestFactory
    Stream<DynamicTest> aTransformerBlockAgreesWithTheCpu() {
        DType[] types = {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q5_0};
        return Stream.of(types).map(t -> dynamicTest("block with " + t + " weights", () -> {
            String missing = TestBackends.unavailableReason("cuda");
            Assumptions.assumeTrue(missing == null, () -> "cuda not available: " + missing);
            Random r = new Random(42);
            int[] prompt = r.ints(PROMPT, 0, VOCAB).toArray();
            int[] decode = r.ints(DECODE, 0, VOCAB).toArray();
            Weights host = Weights.random(t);
            try (Backend cpu = Backends.cpu(); Backend cuda = Backends.named("cuda")) {
                Weights onCuda = host.on(cuda);
                List<Tensor> expected = run(cpu, host, prompt, decode);
                List<Tensor> actual = run(cuda, onCuda, prompt, decode);
                Backend reference = Backends.reference();
                SamplingParams[] samplers = {SamplingParams.greedy(),
                        SamplingParams.ofTemperature(0.8f).withTopK(40).withTopP(0.9f).withMinP(0.02f)
                                .withPenalties(1.2f, 0.1f, 0.1f)};
                for (int step = 0; step < expected.size(); step++) {
                    assertClose(actual.get(step).toFloatArray(), expected.get(step).toFloatArray(), bound(t),
                            t + " logits after pass " + step);
                    try (Tensor logits = cuda.download(actual.get(step))) {
                        for (SamplingParams s : samplers) {
                            double u = r.nextDouble();
                            assertEquals(reference.sample(logits, s, prompt, u), cuda.sample(actual.get(step), s, prompt, u),
                                    t + " sampled token after pass " + step + " with " + s);
                        }
                    }
                }
                expected.forEach(Tensor::close);
                actual.forEach(Tensor::close);
                onCuda.all().forEach(Tensor::close);
            } finally {
                host.all().forEach(Tensor::close);
            }
        }));
    }
}
