package dev.llmaccel.model.bert;

/**
 * What {@link Embedder} does with a text whose tokens do not fit the model's positions (512 for
 * BERT: 510 text tokens plus [CLS] and [SEP]).
 */
public enum LongTextPolicy {
    /** Keep the first 510 tokens and drop the rest (what sentence-transformers does). */
    TRUNCATE,
    /**
     * Split the tokens into windows of at most 510, moving each cut back so that no window starts
     * inside a word (on a {@code ##} continuation piece); embed each window with its own [CLS] and
     * [SEP]; average the windows' mean-pooled vectors weighted by their token counts; normalise.
     * This is exactly what LangChain4j's {@code OnnxBertBiEncoder} does, so long texts agree with it.
     */
    CHUNK_AND_AVERAGE
}
