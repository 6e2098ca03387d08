package dev.llmaccel.generation;

import dev.llmaccel.grammar.TokenVocabulary;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.tensor.Tensor;
import dev.llmaccel.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * One generation, advanced a token at a time by {@link #step()}: both the callback loop and the
 * iterator of {@link Generator} drive it. Every way of ending (end token, stop string, token limit,
 * full context, cancellation) is a {@link StopReason}; none is an exception.
 */
final class GenerationRun {
    private final LlamaSession session;
    private final int[] prompt;
    private final int reused;
    private final Continuation continuation;
    private volatile boolean cancelled;
    private Tensor logits;
    private long promptNanos;
    private long generationStart;
    private long generationNanos;
    private boolean done;

    /**
     * @param prompt the whole prompt; the leading tokens the session already holds are reused
     * @param vocabulary the tokenizer's tokens for the grammar; null when options have none
     * @throws IllegalArgumentException when the prompt is empty; {@link PromptTooLongException} when it
     *     does not fit in the session's context
     */
    GenerationRun(LlamaSession session, Tokenizer tokenizer, int[] prompt, GenerationOptions options,
            TokenVocabulary vocabulary) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (prompt.length > session.capacity()) {
            throw new PromptTooLongException(prompt.length, session.capacity(), "raise the context size");
        }
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= session.config().vocabSize()) {
                throw new IndexOutOfBoundsException("prompt token " + prompt[i] + " at " + i + " outside [0, "
                        + session.config().vocabSize() + ")");
            }
        }
        this.session = session;
        this.prompt = prompt.clone();
        // Keep what the session already holds of this prompt (a chat's earlier turns), but run at
        // least the last prompt token again: its logits start the generation.
        int common = commonPrefix(session.tokens(), prompt);
        this.reused = Math.min(common, prompt.length - 1);
        session.truncate(reused);
        // each generated token but the last is run, so the context leaves one more than its free slots
        int room = session.capacity() - prompt.length + 1;
        this.continuation = new Continuation(tokenizer, session.backend(), session.config().vocabSize(), prompt, options,
                vocabulary, room);
    }

    /** Asks the run to stop before its next token; safe from any thread. */
    void cancel() {
        cancelled = true;
    }

    boolean isDone() {
        return done;
    }

    /**
     * Samples and runs the next token.
     *
     * @return the text that became final with it (possibly empty), or null once the run has ended
     */
    String step() {
        if (done) {
            return null;
        }
        if (continuation.stopReason() != null) {
            done = true;  // the last step's token ended it; its text went out with that step
            return null;
        }
        if (cancelled || Thread.currentThread().isInterrupted()) {
            return end(StopReason.CANCELLED);
        }
        if (logits == null) {
            long t0 = System.nanoTime();
            logits = session.forward(Arrays.copyOfRange(prompt, reused, prompt.length));
            generationStart = System.nanoTime();
            promptNanos = generationStart - t0;
        }
        StopReason before = continuation.mustStop();
        if (before != null) {
            return end(before);
        }
        int token = continuation.sample(logits);
        String released = continuation.accept(token);
        if (continuation.stopReason() == null) {
            // the next step needs this token's logits; the last one before a limit is never run
            if (session.remaining() == 0) {
                released += continuation.stop(StopReason.CONTEXT_FULL);
            } else {
                logits = session.forward(token);
            }
        }
        generationNanos = System.nanoTime() - generationStart;
        return released;
    }

    /** The summary; only once the run has ended. */
    GenerationResult result() {
        if (!done) {
            throw new IllegalStateException("the generation has not ended yet");
        }
        return new GenerationResult(continuation.text(), continuation.stopReason(), prompt.length, reused,
                continuation.generated(), promptNanos, generationNanos);
    }

    /** Ends the run; returns text still held back (an incomplete character, a partial stop string), or null. */
    private String end(StopReason reason) {
        if (logits != null) {
            generationNanos = System.nanoTime() - generationStart;
        }
        done = true;
        String rest = continuation.stop(reason);
        return rest.isEmpty() ? null : rest;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
