package dev.llmaccel.model.bert;

/**
 * What {@link Embedder} does with a text longer than its token limit ({@link Embedder#maxTokens()},
 * [CLS] and [SEP] included; n below is that limit minus 2).
 *
 * <p>What LangChain4j does (read from {@code OnnxBertBiEncoder} in langchain4j-embeddings
 * 1.19.0-beta29 and checked by running it): its code splits a text's tokens into windows of 510,
 * embeds each, and averages them weighted by token count ({@link #CHUNK_AND_AVERAGE}). But the DJL
 * tokenizer it uses truncates first, to the tokenizer.json's truncation length (128 for
 * all-MiniLM-L6-v2) or, when the file declares none, to 512; so no text ever yields a second
 * window, and a long text is in effect truncated. The default here, {@link #TRUNCATE} at the
 * tokenizer.json's limit (else the model's positions), gives LangChain4j's vectors in both cases.
 */
public enum LongTextPolicy {
    /** Keep the first n tokens and drop the rest (LangChain4j's effective behaviour, and sentence-transformers'). */
    TRUNCATE,
    /**
     * Split the tokens into windows of at most n, moving each cut back so that no window starts
     * inside a word (on a continuation piece); embed each window with its own [CLS] and [SEP];
     * average the windows' mean-pooled vectors weighted by their token counts; normalise. This is
     * what LangChain4j's {@code OnnxBertBiEncoder} code would do with windows of 510 were its
     * tokenizer not truncating; every token of the text then counts.
     */
    CHUNK_AND_AVERAGE
}
