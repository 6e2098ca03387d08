package dev.llmaccel.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.model.bert.EmbedderOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link EmbeddingModel} on llmaccel's BERT encoder. The default constructor gives
 * the same model as LangChain4j's {@code AllMiniLmL6V2EmbeddingModel} (all-MiniLM-L6-v2, mean
 * pooling, normalised, 384 dimensions, long texts split into windows and averaged), so an
 * application switches by changing one line:
 *
 * <pre>{@code
 * EmbeddingModel model = new LlmaccelEmbeddingModel();   // was: new AllMiniLmL6V2EmbeddingModel()
 * }</pre>
 *
 * <p>{@link #embedAll} embeds all segments in length-sorted padded batches on the best backend.
 * Close the model to release its native memory.
 */
public final class LlmaccelEmbeddingModel implements EmbeddingModel, AutoCloseable {
    private final Embedder embedder;

    /** all-MiniLM-L6-v2 from the classpath, on the best backend. */
    public LlmaccelEmbeddingModel() {
        this(loadDefault());
    }

    /** A model from a safetensors folder, a GGUF file or an ONNX file. */
    public LlmaccelEmbeddingModel(Path model, EmbedderOptions options) throws IOException {
        this(Embedder.load(model, options));
    }

    /** Wraps an embedder; closing this model closes it. */
    public LlmaccelEmbeddingModel(Embedder embedder) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
    }

    private static Embedder loadDefault() {
        try {
            return Embedder.load();
        } catch (IOException e) {
            throw new IllegalStateException("cannot load the default embedding model: " + e.getMessage(), e);
        }
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        Objects.requireNonNull(segments, "segments");
        List<String> texts = new ArrayList<>(segments.size());
        for (TextSegment s : segments) {
            texts.add(Objects.requireNonNull(s, "segment").text());
        }
        List<Embedding> out = new ArrayList<>(texts.size());
        for (float[] v : embedder.embedAll(texts)) {
            out.add(Embedding.from(v));
        }
        return Response.from(out);
    }

    @Override
    public int dimension() {
        return embedder.dimension();
    }

    @Override
    public String modelName() {
        return embedder.modelName();
    }

    /** The embedder underneath (backend, model, options). */
    public Embedder embedder() {
        return embedder;
    }

    @Override
    public void close() {
        embedder.close();
    }
}
