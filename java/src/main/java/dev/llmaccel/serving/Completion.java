package dev.llmaccel.serving;

import dev.llmaccel.generation.StopReason;

/**
 * What one request produced.
 *
 * @param id the request's number ({@link RequestHandle#id()})
 * @param text the generated text, without the prompt, an end token or a stop string
 * @param tokens the generated token ids (a final end-of-generation token not included)
 * @param stopReason why it ended ({@link StopReason#CANCELLED} for a cancelled request or one
 *     still pending when the engine closed)
 * @param usage token counts
 * @param timeToFirstTokenNanos from submission to the first generated token; -1 when none came
 * @param totalNanos from submission to the end
 * @param preemptions how often the request lost its cache blocks to others and had them recomputed
 */
public record Completion(long id, String text, int[] tokens, StopReason stopReason, Usage usage, long timeToFirstTokenNanos,
        long totalNanos, int preemptions) {
    public Completion {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
