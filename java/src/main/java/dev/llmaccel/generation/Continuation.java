package dev.llmaccel.generation;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.decoding.Decoding;
import dev.llmaccel.grammar.TokenConstraint;
import dev.llmaccel.grammar.TokenVocabulary;
import dev.llmaccel.tensor.Tensor;
import dev.llmaccel.tokenizer.TokenDecoder;
import dev.llmaccel.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The text side of one generation, apart from the model that computes the logits: draws each next
 * token (its own seeded sampler and penalty window, see {@link GenerationOptions}), turns tokens
 * into released text, and watches end tokens, stop strings, the token limit and, when the options
 * carry a grammar, its own {@link TokenConstraint} (which also ends the generation once the grammar
 * is complete and allows nothing more). A
 * {@link Generator} drives one with a {@link dev.llmaccel.model.llama.LlamaSession}; the serving
 * engine drives one per sequence of its batches. One thread at a time.
 *
 * <pre>{@code
 * Continuation c = new Continuation(tokenizer, backend, vocabRows, prompt, options, vocabulary, room);
 * while (c.stopReason() == null && c.mustStop() == null) {
 *     String text = c.accept(c.sample(logits));   // then run the token, unless c.stopReason() != null
 * }
 * }</pre>
 */
public final class Continuation {
    private final Tokenizer tokenizer;
    private final GenerationOptions options;
    private final Decoding decoding;
    private final TokenConstraint constraint;
    private final TokenDecoder decoder;
    private final StopStrings stops;
    private final StringBuilder text = new StringBuilder();
    private int generated;
    private StopReason stopReason;

    /**
     * @param backend the backend of the logits the tokens are drawn from
     * @param vocabRows rows of the model's logits; ids from the tokenizer's vocabulary size on
     *     (padding rows) are never drawn
     * @param prompt the prompt's token ids: the penalties and the text decoding continue after it
     * @param vocabulary the tokenizer's tokens for the options' grammar; may be null when they have none
     * @param room tokens the context leaves for this generation: the grammar is steered to finish
     *     within them (or within the options' token limit, if that is lower)
     * @throws IllegalArgumentException when the options have a grammar and no vocabulary is given
     */
    public Continuation(Tokenizer tokenizer, Backend backend, int vocabRows, int[] prompt, GenerationOptions options,
            TokenVocabulary vocabulary, int room) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(prompt, "prompt");
        if (options.grammar() != null && vocabulary == null) {
            throw new IllegalArgumentException("a grammar needs the tokenizer's vocabulary (TokenVocabulary.of)");
        }
        int budget = options.maxNewTokens() >= 0 ? Math.min(options.maxNewTokens(), room) : room;
        this.constraint = options.grammar() == null ? null : new TokenConstraint(options.grammar(), vocabulary,
                Math.max(0, budget));
        this.decoding = new Decoding(backend, withoutUntokenizable(options.sampling(), tokenizer.vocabSize(), vocabRows),
                options.seed(), options.penaltyWindow(), constraint);
        decoding.accept(Arrays.copyOfRange(prompt, Math.max(0, prompt.length - options.penaltyWindow()), prompt.length));
        this.decoder = tokenizer.streamingDecoder();
        for (int id : prompt) {
            decoder.next(id);  // so that the continuation decodes as it reads after the prompt
        }
        this.stops = new StopStrings(options.stopStrings());
    }

    /**
     * Why no further token may be drawn before one is: {@link StopReason#MAX_TOKENS} at the token
     * limit (a limit of 0), {@link StopReason#END_OF_GENERATION} when the grammar is complete and
     * allows nothing more; null when a token may be drawn. The caller then ends the generation
     * with {@link #stop}.
     */
    public StopReason mustStop() {
        if (stopReason != null) {
            return null;
        }
        if (limitReached()) {
            return StopReason.MAX_TOKENS;
        }
        if (constraint != null && constraint.mustEnd()) {
            return StopReason.END_OF_GENERATION;
        }
        return null;
    }

    private boolean limitReached() {
        return options.maxNewTokens() >= 0 && generated >= options.maxNewTokens();
    }

    /** Draws the next token from logits (vocab) F32, with the sampler's next draw. */
    public int sample(Tensor logits) {
        if (stopReason != null) {
            throw new IllegalStateException("the generation has ended (" + stopReason + ")");
        }
        return decoding.next(logits);
    }

    /**
     * Takes the drawn token and returns the text it releases (possibly empty). When the token ends
     * the generation, {@link #stopReason()} says why and the text includes whatever was held back:
     * an end token (not counted, no text), a completed stop string (the text stops before it), the
     * token limit, or a grammar that the token completed (it allows nothing more: the generation
     * ends as if an end token had come, but the token counts).
     */
    public String accept(int token) {
        if (stopReason != null) {
            throw new IllegalStateException("the generation has ended (" + stopReason + ")");
        }
        if (tokenizer.isEndOfGeneration(token)) {
            return stop(StopReason.END_OF_GENERATION);
        }
        generated++;
        String released = stops.accept(decoder.next(token));
        text.append(released);
        if (stops.matched()) {
            stopReason = StopReason.STOP_STRING;
            return released;
        }
        if (constraint != null && constraint.mustEnd()) {  // complete: so even when the limit is reached too
            return released + stop(StopReason.END_OF_GENERATION);
        }
        if (limitReached()) {
            return released + stop(StopReason.MAX_TOKENS);
        }
        return released;
    }

    /**
     * Ends the generation for a reason from outside (cancellation, a full context, the limit before
     * any token) and returns the text still held back (an incomplete character, a possible start of
     * a stop string). Does nothing and returns "" when it has ended already.
     */
    public String stop(StopReason reason) {
        Objects.requireNonNull(reason, "reason");
        if (stopReason != null) {
            return "";
        }
        stopReason = reason;
        String rest = stops.accept(decoder.flush()) + stops.flush();
        text.append(rest);
        return rest;
    }

    /** Why the generation ended; null while it goes on. */
    public StopReason stopReason() {
        return stopReason;
    }

    /** Tokens accepted (one that completed a stop string included, an end token not). */
    public int generated() {
        return generated;
    }

    /** The text released so far. */
    public String text() {
        return text.toString();
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
}
