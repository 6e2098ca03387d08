package dev.llmaccel.backend;

/** How a sequence of token vectors becomes one vector. */
public enum Pooling {
    /** Mean over the tokens the attention mask keeps. */
    MEAN,
    /** The first token (BERT's [CLS]). */
    CLS,
    /** The last token the attention mask keeps. */
    LAST
}
