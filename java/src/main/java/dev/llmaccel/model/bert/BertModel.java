package dev.llmaccel.model.bert;

import dev.llmaccel.attention.Attention;
import dev.llmaccel.attention.AttentionConfig;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Pooling;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import dev.llmaccel.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A BERT encoder on a backend: word + absolute position + token-type embeddings and their
 * LayerNorm, then post-norm layers of bidirectional self-attention (with a padding mask) and a
 * GELU feed-forward block. A batch of token sequences runs as one padded pass; the result is each
 * sequence's mean over its tokens (not normalised). Every sequence is a single segment (token type 0).
 *
 * <p>Weights are shared and read-only; each call allocates its own activations, so a model may be
 * used by one thread at a time per call (calls from several threads are serialised).
 */
public final class BertModel implements AutoCloseable {
    private final BertConfig config;
    private final Backend backend;
    private final BertWeights weights;
    private final BertCheckpoint checkpoint;
    private final Tokenizer tokenizer;
    private final Attention attention;
    private final String description;
    private boolean closed;

    private BertModel(BertConfig config, Backend backend, BertWeights weights, BertCheckpoint checkpoint,
            Tokenizer tokenizer) {
        this.config = config;
        this.backend = backend;
        this.weights = weights;
        this.checkpoint = checkpoint;
        this.tokenizer = tokenizer;
        this.attention = new Attention(backend, AttentionConfig.bidirectional(config.heads(), config.headDim()));
        this.description = checkpoint.description();
    }

    /**
     * Loads a model onto backend from a safetensors folder (model.safetensors, config.json,
     * tokenizer.json), a GGUF file (architecture bert) or an ONNX file (tokenizer.json beside it).
     * The backend stays the caller's.
     */
    public static BertModel load(Path path, Backend backend) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(backend, "backend");
        return load(BertCheckpoint.open(path), backend);
    }

    /** Loads from an open checkpoint, which the model then owns. */
    static BertModel load(BertCheckpoint checkpoint, Backend backend) throws IOException {
        try {
            BertConfig config = checkpoint.config();
            Tokenizer tokenizer = checkpoint.tokenizer();
            BertWeights weights = BertWeights.load(checkpoint, config, backend);
            return new BertModel(config, backend, weights, checkpoint, tokenizer);
        } catch (IOException | RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    public BertConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    /** The model's tokenizer (WordPiece for BERT). */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Where the weights came from: format and file. */
    public String description() {
        return description;
    }

    /**
     * Encodes a batch of token sequences in one padded pass and returns, per sequence, the mean of
     * its last hidden states (hidden values each, not normalised).
     *
     * @param sequences token ids, special tokens included ([CLS] ... [SEP]); each 1 to maxPositions long
     */
    public synchronized float[][] meanPooled(int[][] sequences) {
        checkOpen();
        int seq = checkSequences(sequences);
        int batch = sequences.length;
        int hidden = config.hidden();
        long n = (long) batch * seq;
        int[] ids = new int[(int) n];
        int[] positions = new int[(int) n];
        int[] mask = new int[(int) n];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                int i = b * seq + t;
                positions[i] = t;
                if (t < sequences[b].length) {
                    ids[i] = sequences[b][t];
                    mask[i] = 1;
                }  // padding: id 0, masked out of attention and pooling
            }
        }
        try (Tensor x = backend.allocate(DType.F32, n, hidden);
             Tensor pooled = backend.allocate(DType.F32, batch, hidden)) {
            embed(x, ids, positions);
            try (Activations a = new Activations(backend, n, hidden, config.intermediate())) {
                for (BertWeights.Layer layer : weights.layers) {
                    layer(x, layer, a, batch, seq, mask);
                }
            }
            backend.pool(pooled, x.view(batch, seq, hidden), mask, Pooling.MEAN);
            float[] flat = pooled.toFloatArray();
            float[][] out = new float[batch][hidden];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(flat, b * hidden, out[b], 0, hidden);
            }
            return out;
        }
    }

    /** x = LayerNorm(word[ids] + position[positions] + type[0]). */
    private void embed(Tensor x, int[] ids, int[] positions) {
        try (Tensor rows = backend.allocate(DType.F32, x.shape())) {  // (n, hidden)
            backend.embedding(x, weights.wordEmbeddings, ids);
            backend.embedding(rows, weights.positionEmbeddings, positions);
            backend.add(x, x, rows);
        }
        try (Tensor type0 = weights.typeEmbeddings.rows(0, 1).view(config.hidden())) {  // (hidden)
            backend.add(x, x, type0);
        }
        backend.layerNorm(x, x, weights.embeddingNormWeight, weights.embeddingNormBias, config.layerNormEps());
    }

    /** One post-norm encoder layer, in place on x (batch * seq, hidden). */
    private void layer(Tensor x, BertWeights.Layer w, Activations a, int batch, int seq, int[] mask) {
        int heads = config.heads();
        int headDim = config.headDim();
        linear(a.q, x, w.query(), w.queryBias());
        linear(a.k, x, w.key(), w.keyBias());
        linear(a.v, x, w.value(), w.valueBias());
        try (Tensor q = a.q.view(batch, seq, heads, headDim);
             Tensor k = a.k.view(batch, seq, heads, headDim);
             Tensor v = a.v.view(batch, seq, heads, headDim);
             Tensor ctx = a.context.view(batch, seq, heads, headDim)) {
            attention.forward(ctx, q, k, v, mask);
        }
        linear(a.q, a.context, w.attentionOutput(), w.attentionOutputBias());  // q's buffer is free again
        backend.add(x, x, a.q);
        backend.layerNorm(x, x, w.attentionNormWeight(), w.attentionNormBias(), config.layerNormEps());
        linear(a.up, x, w.up(), w.upBias());
        backend.gelu(a.up, a.up);
        linear(a.q, a.up, w.down(), w.downBias());
        backend.add(x, x, a.q);
        backend.layerNorm(x, x, w.outputNormWeight(), w.outputNormBias(), config.layerNormEps());
    }

    /** out = in · wᵀ + bias. */
    private void linear(Tensor out, Tensor in, Tensor w, Tensor bias) {
        backend.matmul(out, in, w);
        backend.add(out, out, bias);
    }

    private int checkSequences(int[][] sequences) {
        Objects.requireNonNull(sequences, "sequences");
        if (sequences.length == 0) {
            throw new IllegalArgumentException("an empty batch");
        }
        int longest = 0;
        for (int b = 0; b < sequences.length; b++) {
            int[] s = sequences[b];
            if (s == null || s.length == 0 || s.length > config.maxPositions()) {
                throw new IllegalArgumentException("sequence " + b + " has " + (s == null ? "no" : s.length)
                        + " tokens; each must have 1 to " + config.maxPositions());
            }
            for (int id : s) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " in sequence " + b + " is outside [0, "
                            + config.vocabSize() + ")");
                }
            }
            longest = Math.max(longest, s.length);
        }
        if ((long) sequences.length * longest > Integer.MAX_VALUE / Math.max(config.intermediate(), config.hidden())) {
            throw new IllegalArgumentException("batch of " + sequences.length + " x " + longest + " tokens is too large");
        }
        return longest;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model " + description + " is closed");
        }
    }

    /** Releases the weights and the file they came from; the backend stays open. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        weights.close();
        checkpoint.close();
    }

    /** The scratch tensors of one pass: per-layer intermediate values, reused layer after layer. */
    private static final class Activations implements AutoCloseable {
        final Tensor q;        // (n, hidden); also the attention output and feed-forward output
        final Tensor k;        // (n, hidden)
        final Tensor v;        // (n, hidden)
        final Tensor context;  // (n, hidden)
        final Tensor up;       // (n, intermediate)

        Activations(Backend backend, long n, int hidden, int intermediate) {
            q = backend.allocate(DType.F32, n, hidden);
            k = backend.allocate(DType.F32, n, hidden);
            v = backend.allocate(DType.F32, n, hidden);
            context = backend.allocate(DType.F32, n, hidden);
            up = backend.allocate(DType.F32, n, intermediate);
        }

        @Override
        public void close() {
            q.close();
            k.close();
            v.close();
            context.close();
            up.close();
        }
    }
}
