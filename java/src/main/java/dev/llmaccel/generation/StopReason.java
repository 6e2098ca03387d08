package dev.llmaccel.generation;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-sequence or end-of-turn token, or the grammar is complete and allows nothing more. */
    END_OF_GENERATION,
    /** One of the stop strings appeared. */
    STOP_STRING,
    /** The maximum number of new tokens was reached. */
    MAX_TOKENS,
    /** The session's context is full. */
    CONTEXT_FULL,
    /** {@link Generator#cancel()} was called, the stream was closed, or the thread was interrupted. */
    CANCELLED
}
