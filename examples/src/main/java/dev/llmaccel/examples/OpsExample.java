package dev.llmaccel.examples;

import dev.llmaccel.attention.Attention;
import dev.llmaccel.attention.AttentionConfig;
import dev.llmaccel.attention.KvCache;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.Pooling;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.decoding.Decoding;
import dev.llmaccel.embedding.Embedding;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.List;
import java.util.Random;

/** README "Embedding, Attention, Decoding": the three thin ops on random values of aidreams260K's shapes. */
public final class OpsExample {
    private OpsExample() {}

    public static void main(String[] args) {
        Result r = run();
        System.out.printf("sentence vector of %d values, attention output of %d, next token %d%n", r.sentence().length,
                r.attended().length, r.next());
    }

    /** What the three ops computed. */
    record Result(float[] sentence, float[] attended, int next) {}

    static Result run() {
        // README: Embedding, Attention, Decoding
        int vocab = 512;                                     // the shapes of ../shared's aidreams260K
        int dim = 64;
        int heads = 4;
        int headDim = 16;
        float[] tableValues = new float[vocab * dim];                // (vocab, dim)
        float[] queries = new float[5 * heads * headDim];            // (5 tokens, heads, headDim)
        float[] keys = new float[5 * heads * headDim];
        float[] values = new float[5 * heads * headDim];
        float[] logitValues = new float[vocab];                      // (vocab)
        Random random = new Random(7);
        for (float[] a : List.of(tableValues, queries, keys, values, logitValues)) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
        }

        float[] sentenceVector;
        float[] attended;
        int next;
        try (Backend backend = Backends.best()) {
            // Rows of an embedding table (any weight type) into F32, mean-pooled and normalised
            Embedding embedding = new Embedding(backend);
            try (Tensor table = backend.upload(Tensor.of(DType.Q8_0, tableValues, vocab, dim));
                 Tensor tokens = embedding.lookup(table, new int[] {1, 42, 7});              // (3, dim)
                 Tensor hidden = tokens.view(1, 3, dim);                                    // (batch 1, 3, dim)
                 Tensor sentence = embedding.pool(hidden, new int[] {1, 1, 1}, Pooling.MEAN)) { // (1, dim)
                embedding.normalize(sentence);
                sentenceVector = sentence.toFloatArray();
            }

            // Causal attention of 5 new tokens against a KV cache (4 query heads over 4 KV heads of 16)
            Attention attention = new Attention(backend, AttentionConfig.causal(heads, heads, headDim));
            try (KvCache cache = attention.newCache(1, 1, 128);                      // 1 layer, batch 1, 128 positions
                 Tensor q = backend.upload(Tensor.of(queries, 5, heads, headDim));   // (n, heads, headDim)
                 Tensor k = backend.upload(Tensor.of(keys, 5, heads, headDim));      // (n, kvHeads, headDim): appended
                 Tensor v = backend.upload(Tensor.of(values, 5, heads, headDim));
                 Tensor out = backend.allocate(DType.F32, 5, heads, headDim)) {      // (n, heads, headDim)
                attention.forward(out, q, k, v, cache, 0);                           // token i attends to 0..i
                attended = out.toFloatArray();
            }

            // Logits to a token: temperature, top-k/p, min-p, penalties, logit bias; seeded
            Decoding decoding = new Decoding(backend, SamplingParams.ofTemperature(0.7f).withTopP(0.9f), 42, 64);
            decoding.accept(1, 42, 7);                                   // the prompt, for the penalties
            try (Tensor logits = backend.upload(Tensor.of(logitValues, vocab))) {   // (vocab) F32
                next = decoding.next(logits);                            // the same seed gives the same token everywhere
            }
        }
        // README: end
        return new Result(sentenceVector, attended, next);
    }
}
