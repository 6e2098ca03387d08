package dev.llmaccel.model.bert;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parameters of a BERT encoder on one backend, all F32 (so products run as sgemm), read-only
 * once loaded. Linear weights are (out, in).
 */
final class BertWeights implements AutoCloseable {
    final Tensor wordEmbeddings;      // (vocab, hidden)
    final Tensor positionEmbeddings;  // (maxPositions, hidden)
    final Tensor typeEmbeddings;      // (typeVocab, hidden)
    final Tensor embeddingNormWeight; // (hidden)
    final Tensor embeddingNormBias;   // (hidden)
    final Layer[] layers;

    private final List<Tensor> owned;

    /** One encoder layer: self-attention, then the feed-forward block, each followed by add & norm. */
    record Layer(
            Tensor query, Tensor queryBias,                     // (hidden, hidden), (hidden)
            Tensor key, Tensor keyBias,                         // (hidden, hidden), (hidden)
            Tensor value, Tensor valueBias,                     // (hidden, hidden), (hidden)
            Tensor attentionOutput, Tensor attentionOutputBias, // (hidden, hidden), (hidden)
            Tensor attentionNormWeight, Tensor attentionNormBias, // (hidden), (hidden)
            Tensor up, Tensor upBias,                           // (intermediate, hidden), (intermediate)
            Tensor down, Tensor downBias,                       // (hidden, intermediate), (hidden)
            Tensor outputNormWeight, Tensor outputNormBias) {}  // (hidden), (hidden)

    private BertWeights(Loader l, BertConfig c) throws IOException {
        int h = c.hidden();
        wordEmbeddings = l.get("embeddings.word_embeddings.weight", c.vocabSize(), h);
        positionEmbeddings = l.get("embeddings.position_embeddings.weight", c.maxPositions(), h);
        typeEmbeddings = l.get("embeddings.token_type_embeddings.weight", c.typeVocabSize(), h);
        embeddingNormWeight = l.get("embeddings.LayerNorm.weight", h);
        embeddingNormBias = l.get("embeddings.LayerNorm.bias", h);
        layers = new Layer[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            String p = "encoder.layer." + i + ".";
            int f = c.intermediate();
            layers[i] = new Layer(
                    l.get(p + "attention.self.query.weight", h, h), l.get(p + "attention.self.query.bias", h),
                    l.get(p + "attention.self.key.weight", h, h), l.get(p + "attention.self.key.bias", h),
                    l.get(p + "attention.self.value.weight", h, h), l.get(p + "attention.self.value.bias", h),
                    l.get(p + "attention.output.dense.weight", h, h), l.get(p + "attention.output.dense.bias", h),
                    l.get(p + "attention.output.LayerNorm.weight", h), l.get(p + "attention.output.LayerNorm.bias", h),
                    l.get(p + "intermediate.dense.weight", f, h), l.get(p + "intermediate.dense.bias", f),
                    l.get(p + "output.dense.weight", h, f), l.get(p + "output.dense.bias", h),
                    l.get(p + "output.LayerNorm.weight", h), l.get(p + "output.LayerNorm.bias", h));
        }
        owned = l.loaded;
    }

    /**
     * Loads every parameter of checkpoint onto backend as F32, checking each shape against config.
     * Tensors that already are F32 on the backend's device are used as they are (a mapped file's
     * tensors stay mapped: the checkpoint must then stay open while the weights are used).
     */
    static BertWeights load(BertCheckpoint checkpoint, BertConfig config, Backend backend) throws IOException {
        Loader loader = new Loader(checkpoint, backend);
        try {
            return new BertWeights(loader, config);
        } catch (IOException | RuntimeException e) {
            loader.loaded.forEach(Tensor::close);
            throw e;
        }
    }

    @Override
    public void close() {
        owned.forEach(Tensor::close);
    }

    /** Fetches parameters and brings them to F32 on the backend, remembering what it made. */
    private static final class Loader {
        private final BertCheckpoint checkpoint;
        private final Backend backend;
        final List<Tensor> loaded = new ArrayList<>();

        Loader(BertCheckpoint checkpoint, Backend backend) {
            this.checkpoint = checkpoint;
            this.backend = backend;
        }

        Tensor get(String name, long... shape) throws IOException {
            Tensor t = checkpoint.parameter(name);
            try {
                if (!Arrays.equals(t.shape(), shape)) {
                    throw new ModelFormatException(checkpoint.description() + ": '" + name + "' has shape "
                            + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
                }
                if (t.dtype() != DType.F32) {
                    Tensor converted = t.to(DType.F32);
                    t.close();
                    t = converted;
                }
                Tensor onDevice = backend.upload(t);
                if (onDevice != t) {
                    t.close();
                }
                loaded.add(onDevice);
                return onDevice;
            } catch (IOException | RuntimeException e) {
                t.close();
                throw e;
            }
        }
    }
}
