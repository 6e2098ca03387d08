package dev.llmaccel.model.bert;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.onnx.OnnxModel;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Sentence embeddings: texts in, L2-normalised vectors out (unless the options say otherwise), from a BERT encoder with mean pooling
 * over the attention mask.
 *
 * <pre>{@code
 * try (Embedder embedder = Embedder.load()) {          // all-MiniLM-L6-v2, best backend
 *     float[] v = embedder.embed("A cat sits on the mat.");           // 384 values, |v| = 1
 *     List<float[]> vs = embedder.embedAll(List.of("first", "second")); // one batched pass
 * }
 * }</pre>
 *
 * <p>{@link #load()} takes the default model, all-MiniLM-L6-v2, from the class path: add the
 * Maven artifact {@code dev.llmaccel:llmaccel-all-minilm-l6-v2} (its ONNX file and tokenizer.json,
 * no code), or {@link #load()} fails naming it. {@link #load(Path)} takes a safetensors folder, a
 * GGUF file or an ONNX file of any BERT-architecture model.
 *
 * <p>Each text is tokenized in full; one longer than {@link #maxTokens()} (by default the limit
 * the model's tokenizer.json declares, else its positions: 128 for all-MiniLM-L6-v2, as
 * LangChain4j applies it) follows the {@link LongTextPolicy}: truncated by default, or split into
 * windows and averaged. The empty string embeds as the vector of "[CLS] [SEP]" (LangChain4j
 * refuses blank text). {@link #embedAll} sorts the token windows of all texts by length and runs
 * them in padded batches, so texts of similar length share a pass.
 */
public final class Embedder implements AutoCloseable {
    /** Name of the default model. */
    public static final String DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2";
    /** Class-path resources of the default model (at the root of its artifact's jar). */
    static final String DEFAULT_ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
    static final String DEFAULT_TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    private final BertModel model;
    private final String modelName;
    private final EmbedderOptions options;
    private final boolean ownsBackend;
    private final int clsId;
    private final int sepId;
    private final int windowTokens;
    /** Whether the vocabulary marks word starts with "\u2581" (llama.cpp's GGUF spelling) instead of "##" on continuations. */
    private final boolean phantomSpaceVocabulary;
    private boolean closed;

    private Embedder(BertModel model, String modelName, EmbedderOptions options, boolean ownsBackend)
            throws ModelFormatException {
        this.model = model;
        this.modelName = modelName;
        this.options = options;
        this.ownsBackend = ownsBackend;
        int[] specials = model.tokenizer().encode("", true, false);
        if (specials.length != 2) {
            throw new ModelFormatException(model.description() + ": the tokenizer does not frame a text as [CLS] ... [SEP]"
                    + " (it adds " + specials.length + " tokens to an empty text)");
        }
        this.clsId = specials[0];
        this.sepId = specials[1];
        int[] word = model.tokenizer().encode("a", false, false);
        this.phantomSpaceVocabulary = word.length > 0 && model.tokenizer().tokenText(word[0]).startsWith("\u2581");
        int maxTokens = options.maxTokens() > 0 ? options.maxTokens() : model.maxTokens();
        if (maxTokens > model.config().maxPositions()) {
            throw new IllegalArgumentException("at most " + model.config().maxPositions() + " tokens fit " + modelName
                    + ", asked for " + maxTokens);
        }
        this.windowTokens = maxTokens - 2;
        if (windowTokens < 1) {
            throw new ModelFormatException(model.description() + ": " + maxTokens
                    + " tokens leave no room for text between [CLS] and [SEP]");
        }
    }

    /** The default model (all-MiniLM-L6-v2) on the best backend. */
    public static Embedder load() throws IOException {
        return load(EmbedderOptions.defaults());
    }

    /**
     * The default model (all-MiniLM-L6-v2) with these options. Its files come from the class path
     * (the artifact {@code dev.llmaccel:llmaccel-all-minilm-l6-v2}); the ONNX weights are extracted
     * from the jar once per model version into a cache folder ({@code -Dllmaccel.cache.dir}, else
     * {@code LLMACCEL_CACHE_DIR}, else {@code ~/.cache/llmaccel}) and mapped from there.
     *
     * @throws IOException naming the artifact to add when the model is not on the class path
     */
    public static Embedder load(EmbedderOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        ClassLoader[] loaders = {Embedder.class.getClassLoader(), Thread.currentThread().getContextClassLoader()};
        URL onnxUrl = DefaultModel.resource(DEFAULT_ONNX_RESOURCE, loaders);
        URL tokenizerUrl = DefaultModel.resource(DEFAULT_TOKENIZER_RESOURCE, loaders);
        DefaultModel.LocalFile onnx = DefaultModel.localFile(onnxUrl, DefaultModel.cacheFolder());
        try {
            TokenizerJson tokenizer;
            try (InputStream in = tokenizerUrl.openStream()) {
                tokenizer = TokenizerJson.read(in, DEFAULT_TOKENIZER_RESOURCE);
            }
            OnnxModel graph = OnnxModel.open(onnx.path());
            BertCheckpoint checkpoint;
            try {
                checkpoint = new OnnxBertCheckpoint(graph, OnnxBertCheckpoint.inferConfig(graph), tokenizer);
            } catch (IOException | RuntimeException e) {
                graph.close();
                throw e;
            }
            return create(checkpoint, DEFAULT_MODEL_NAME, options);
        } finally {
            if (onnx.temporary()) {
                // the weights are copied into tensors while loading: the file can go now
                Files.deleteIfExists(onnx.path());
            }
        }
    }

    /** A model from a safetensors folder, a GGUF file or an ONNX file, on the best backend. */
    public static Embedder load(Path model) throws IOException {
        return load(model, EmbedderOptions.defaults());
    }

    /** A model from a safetensors folder, a GGUF file or an ONNX file, with these options. */
    public static Embedder load(Path model, EmbedderOptions options) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(options, "options");
        return create(BertCheckpoint.open(model), model.getFileName().toString(), options);
    }

    private static Embedder create(BertCheckpoint checkpoint, String name, EmbedderOptions options) throws IOException {
        boolean ownsBackend = options.backend() == null;
        Backend backend;
        try {
            backend = ownsBackend ? Backends.best() : options.backend();
        } catch (RuntimeException | LinkageError e) {
            checkpoint.close();
            throw e;
        }
        BertModel model = null;
        try {
            model = BertModel.load(checkpoint, backend);
            return new Embedder(model, name, options, ownsBackend);
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            if (ownsBackend) {
                backend.close();
            }
            throw e;
        }
    }

    /** The embedding of one text: dimension() values, of unit length unless the options say otherwise. */
    public float[] embed(String text) {
        Objects.requireNonNull(text, "text");
        return embedAll(List.of(text)).get(0);
    }

    /** The embeddings of texts, in order, computed in length-sorted padded batches. */
    public List<float[]> embedAll(List<String> texts) {
        Objects.requireNonNull(texts, "texts");
        checkOpen();
        List<Window> windows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text == null) {
                throw new NullPointerException("text " + i + " is null");
            }
            split(i, model.tokenizer().encode(text, false, false), windows);
        }
        windows.sort(Comparator.comparingInt(w -> w.tokens.length));
        for (int start = 0; start < windows.size(); start += options.batchSize()) {
            List<Window> batch = windows.subList(start, Math.min(windows.size(), start + options.batchSize()));
            int[][] sequences = new int[batch.size()][];
            for (int b = 0; b < sequences.length; b++) {
                sequences[b] = batch.get(b).tokens;
            }
            float[][] pooled = model.meanPooled(sequences);
            for (int b = 0; b < sequences.length; b++) {
                batch.get(b).pooled = pooled[b];
            }
        }
        return combine(texts.size(), windows);
    }

    /** Adds the windows of one text's tokens (without specials), each framed by [CLS] and [SEP]. */
    private void split(int text, int[] tokens, List<Window> windows) {
        if (tokens.length <= windowTokens) {
            windows.add(new Window(text, framed(tokens, 0, tokens.length), tokens.length));
            return;
        }
        if (options.longTextPolicy() == LongTextPolicy.TRUNCATE) {
            windows.add(new Window(text, framed(tokens, 0, windowTokens), windowTokens));
            return;
        }
        // LangChain4j's cut: a window ends where the next one starts on a whole word.
        int from = 0;
        while (from < tokens.length) {
            int to = from + windowTokens;
            if (to >= tokens.length) {
                to = tokens.length;
            } else {
                while (to > from && isContinuation(tokens[to])) {
                    to--;
                }
                if (to == from) {
                    to = from + windowTokens;
                }
            }
            windows.add(new Window(text, framed(tokens, from, to), to - from));
            from = to;
        }
    }

    /** Whether a token continues a word: "##able" in Hugging Face vocabularies, "able" (not "\u2581able", not "[SEP]") in GGUF ones. */
    private boolean isContinuation(int id) {
        String text = model.tokenizer().tokenText(id);
        if (!phantomSpaceVocabulary) {
            return text.startsWith("##");
        }
        boolean special = text.startsWith("[") && text.endsWith("]");
        return !text.startsWith("\u2581") && !special;
    }

    private int[] framed(int[] tokens, int from, int to) {
        int[] s = new int[to - from + 2];
        s[0] = clsId;
        System.arraycopy(tokens, from, s, 1, to - from);
        s[s.length - 1] = sepId;
        return s;
    }

    /** Per text: its one window's vector, or the token-weighted mean of its windows; then unit length if the options ask. */
    private List<float[]> combine(int count, List<Window> windows) {
        float[][] sums = new float[count][];
        int[] windowCount = new int[count];
        long[] weights = new long[count];
        for (Window w : windows) {
            windowCount[w.text]++;
            weights[w.text] += w.weight;
        }
        for (Window w : windows) {
            if (windowCount[w.text] == 1) {
                sums[w.text] = w.pooled;
                continue;
            }
            if (sums[w.text] == null) {
                sums[w.text] = new float[w.pooled.length];
            }
            float[] s = sums[w.text];
            for (int c = 0; c < s.length; c++) {
                s[c] += w.pooled[c] * w.weight;
            }
        }
        List<float[]> out = new ArrayList<>(count);
        for (int t = 0; t < count; t++) {
            if (windowCount[t] > 1) {
                for (int c = 0; c < sums[t].length; c++) {
                    sums[t][c] /= weights[t];
                }
            }
            out.add(options.normalize() ? normalized(sums[t]) : sums[t]);
        }
        return out;
    }

    private static float[] normalized(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        if (sum == 0) {
            return v.clone();
        }
        float[] out = new float[v.length];
        double inv = 1 / Math.sqrt(sum);
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] * inv);
        }
        return out;
    }

    /** Length of the vectors. */
    public int dimension() {
        return model.config().hidden();
    }

    /** The model's name: all-MiniLM-L6-v2 for the default, else the file or folder name. */
    public String modelName() {
        return modelName;
    }

    /** The backend the model runs on. */
    public Backend backend() {
        return model.backend();
    }

    /** The underlying encoder (configuration, tokenizer, batched forward pass). */
    public BertModel model() {
        return model;
    }

    public LongTextPolicy longTextPolicy() {
        return options.longTextPolicy();
    }

    /** The most tokens of one input, [CLS] and [SEP] included: longer texts follow the long-text policy. */
    public int maxTokens() {
        return windowTokens + 2;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("embedder " + modelName + " is closed");
        }
    }

    /** Releases the model, and the backend when the embedder chose it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Backend backend = model.backend();
        model.close();
        if (ownsBackend) {
            backend.close();
        }
    }

    /** Tokens of one piece of one text, and its mean-pooled vector once computed. */
    private static final class Window {
        final int text;
        final int[] tokens;  // [CLS] ... [SEP]
        final int weight;    // text tokens in it: its share of a long text's average
        float[] pooled;

        Window(int text, int[] tokens, int weight) {
            this.text = text;
            this.tokens = tokens;
            this.weight = weight;
        }
    }
}
