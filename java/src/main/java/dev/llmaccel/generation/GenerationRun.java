package dev.llmaccel.generation;

import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.decoding.Decoding;
import dev.llmaccel.grammar.TokenConstraint;
import dev.llmaccel.grammar.TokenVocabulary;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.tensor.Tensor;
import dev.llmaccel.tokenizer.TokenDecoder;
import dev.llmaccel.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One generation, advanced a token at a time by {@link #step()}: both the callback loop and the
 * iterator of {@link Generator} drive it. Every way of ending (end token, stop string, token limit,
 * full context, cancellation) is a {@link StopReason}; none is an exception.
 */
final class GenerationRun {
    private final LlamaSession session;
    private final Tokenizer tokenizer;
    private final GenerationOptions options;
    private final int[] prompt;
    private final int reused;
    private final Decoding decoding;
    private final TokenConstraint constraint;
    private final TokenDecoder decoder;
    private final StopStrings stops;
    private final StringBuilder text = new StringBuilder();
    private volatile boolean cancelled;
    private Tensor logits;
    private int generated;
    private long promptNanos;
    private long generationStart;
    private long generationNanos;
    private StopReason stopReason;
    private boolean done;

    /**
     * @param prompt the whole prompt; the leading tokens the session already holds are reused
     * @param vocabulary the tokenizer's tokens for the grammar; null when options have none
     * @throws IllegalArgumentException when the prompt is empty or does not fit in the session's context
     */
    GenerationRun(LlamaSession session, Tokenizer tokenizer, int[] prompt, GenerationOptions options,
            TokenVocabulary vocabulary) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (prompt.length > session.capacity()) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the context holds "
                    + session.capacity() + " (raise the context size or shorten the prompt)");
        }
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= session.config().vocabSize()) {
                throw new IndexOutOfBoundsException("prompt token " + prompt[i] + " at " + i + " outside [0, "
                        + session.config().vocabSize() + ")");
            }
        }
        this.session = session;
        this.tokenizer = tokenizer;
        this.options = options;
        this.prompt = prompt.clone();
        // Keep what the session already holds of this prompt (a chat's earlier turns), but run at
        // least the last prompt token again: its logits start the generation.
        int common = commonPrefix(session.tokens(), prompt);
        this.reused = Math.min(common, prompt.length - 1);
        session.truncate(reused);
        // the grammar must finish within the tokens this run can generate: the limit, or the room
        // left in the context (each token but the last is run, so one more than that room)
        int room = session.capacity() - prompt.length + 1;
        int budget = options.maxNewTokens() >= 0 ? Math.min(options.maxNewTokens(), room) : room;
        this.constraint = options.grammar() == null ? null : new TokenConstraint(options.grammar(), vocabulary, budget);
        this.decoding = new Decoding(session.backend(), withoutUntokenizable(options.sampling(), tokenizer.vocabSize(),
                session.config().vocabSize()), options.seed(), options.penaltyWindow(), constraint);
        decoding.accept(Arrays.copyOfRange(prompt, Math.max(0, prompt.length - options.penaltyWindow()), prompt.length));
        this.decoder = tokenizer.streamingDecoder();
        for (int id : prompt) {
            decoder.next(id);  // so that the continuation decodes as it reads after the prompt
        }
        this.stops = new StopStrings(options.stopStrings());
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
        if (stopReason != null) {
            return finish();
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
        if (limitReached()) {
            return end(StopReason.MAX_TOKENS);
        }
        if (constraint != null && constraint.mustEnd()) {
            return end(StopReason.END_OF_GENERATION);  // the grammar is complete and allows nothing more
        }
        int token = decoding.next(logits);
        if (tokenizer.isEndOfGeneration(token)) {
            return end(StopReason.END_OF_GENERATION);
        }
        generated++;
        String released = stops.accept(decoder.next(token));
        text.append(released);
        if (stops.matched()) {
            stopReason = StopReason.STOP_STRING;
        } else if (!limitReached()) {
            // the next step needs this token's logits; the last one before a limit is never run
            if (session.remaining() == 0) {
                stopReason = StopReason.CONTEXT_FULL;
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
        return new GenerationResult(text.toString(), stopReason, prompt.length, reused, generated, promptNanos,
                generationNanos);
    }

    private boolean limitReached() {
        return options.maxNewTokens() >= 0 && generated >= options.maxNewTokens();
    }

    private String end(StopReason reason) {
        stopReason = reason;
        if (logits != null) {
            generationNanos = System.nanoTime() - generationStart;
        }
        return finish();
    }

    /** Ends the run; returns text still held back (an incomplete character, a partial stop string), or null. */
    private String finish() {
        done = true;
        if (stopReason == StopReason.STOP_STRING) {
            return null;
        }
        String rest = stops.accept(decoder.flush()) + stops.flush();
        text.append(rest);
        return rest.isEmpty() ? null : rest;
    }

    /**
     * Models whose embedding table has more rows than the vocabulary has tokens (padding to a round
     * size) must never produce those ids: they have no text.
     */
    private static SamplingParams withoutUntokenizable(SamplingParams p, int tokens, int rows) {
        if (rows <= tokens) {
            return p;
        }
        Map<Integer, Float> bias = new HashMap<>(p.logitBias());
        for (int id = tokens; id < rows; id++) {
            bias.put(id, Float.NEGATIVE_INFINITY);
        }
        return p.withLogitBias(bias);
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
