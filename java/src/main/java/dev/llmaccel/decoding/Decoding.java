package dev.llmaccel.decoding;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.grammar.TokenConstraint;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Turns logits into tokens for one sequence: the sampling steps of {@link SamplingParams}, a
 * window of recent tokens for the penalties, and a generator seeded once, so the same seed and the
 * same logits give the same tokens on every backend.
 *
 * <pre>{@code
 * Decoding decoding = new Decoding(backend, SamplingParams.greedy().withTemperature(0.7f).withTopP(0.9f), 42, 64);
 * decoding.accept(promptTokens);
 * int next = decoding.next(logits);   // also remembered for the penalties
 * }</pre>
 *
 * <p>With a {@link TokenConstraint} (a grammar), every token is one the grammar allows: the token
 * is sampled as usual first and checked; only when the grammar rejects it are the logits masked
 * (every rejected token set to -inf, in place when the tensor is writable) and a token sampled
 * again with a fresh draw. With plain temperature sampling that gives exactly the distribution
 * restricted to the allowed tokens; greedy picks the best allowed token; the truncations (top-k,
 * top-p, min-p) apply to the allowed tokens on the second draw. Works on every backend: the mask
 * is applied to the logits, before the backend's sampler.
 */
public final class Decoding {
    private final Backend backend;
    private final SamplingParams params;
    private final int penaltyWindow;
    private final long seed;
    private final TokenConstraint constraint;
    private final ArrayDeque<Integer> recent = new ArrayDeque<>();
    private SplittableRandom random;

    /**
     * @param seed seeds the generator of the draws
     * @param penaltyWindow how many recent tokens the penalties look at (0: none)
     */
    public Decoding(Backend backend, SamplingParams params, long seed, int penaltyWindow) {
        this(backend, params, seed, penaltyWindow, null);
    }

    /**
     * @param seed seeds the generator of the draws
     * @param penaltyWindow how many recent tokens the penalties look at (0: none)
     * @param constraint what the tokens must follow (null: nothing); each token picked is accepted
     *     into it, the prompt's tokens given to {@link #accept} are not
     */
    public Decoding(Backend backend, SamplingParams params, long seed, int penaltyWindow, TokenConstraint constraint) {
        this.constraint = constraint;
        this.backend = Objects.requireNonNull(backend, "backend");
        this.params = Objects.requireNonNull(params, "params");
        if (penaltyWindow < 0) {
            throw new IllegalArgumentException("penalty window must be >= 0, got " + penaltyWindow);
        }
        this.penaltyWindow = penaltyWindow;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    public SamplingParams params() {
        return params;
    }

    /** The constraint the tokens follow, or null. */
    public TokenConstraint constraint() {
        return constraint;
    }

    /**
     * Picks the next token from logits (vocab) F32 and remembers it.
     *
     * @throws IllegalStateException under a constraint, when no token it allows has a finite logit
     *     (all of them biased to -inf, say) or no token of the vocabulary can continue the grammar
     */
    public int next(Tensor logits) {
        double u = random.nextDouble();
        int[] recentTokens = recentTokens();
        int token = backend.sample(logits, params, recentTokens, u);
        if (constraint != null) {
            if (!constraint.allows(token)) {
                token = sampleAllowed(logits, recentTokens);
            }
            constraint.accept(token);
        }
        remember(token);
        return token;
    }

    /** Masks what the constraint rejects and samples again with a fresh draw. */
    private int sampleAllowed(Tensor logits, int[] recentTokens) {
        float[] values = logits.toFloatArray();
        constraint.mask(values);
        double u = random.nextDouble();
        int token;
        if (logits.isWritable()) {
            logits.copyFrom(values);
            token = backend.sample(logits, params, recentTokens, u);
        } else {
            Tensor host = Tensor.of(values, values.length);
            Tensor masked = backend.upload(host);
            try {
                token = backend.sample(masked, params, recentTokens, u);
            } finally {
                masked.close();
                host.close();
            }
        }
        if (!constraint.allows(token)) {
            throw new IllegalStateException("every token the grammar allows here has a logit of -inf (a logit bias or"
                    + " penalty rules them out)");
        }
        return token;
    }

    /** Remembers tokens that were not sampled here (the prompt), for the penalties. */
    public void accept(int... tokens) {
        Objects.requireNonNull(tokens, "tokens");
        for (int t : tokens) {
            if (t < 0) {
                throw new IllegalArgumentException("negative token id " + t);
            }
            remember(t);
        }
    }

    /** The tokens the penalties currently look at, oldest first. */
    public int[] recentTokens() {
        return recent.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Forgets the history, restarts the generator from the seed and the constraint from its start. */
    public void reset() {
        recent.clear();
        if (constraint != null) {
            constraint.reset();
        }
        random = new SplittableRandom(seed);
    }

    private void remember(int token) {
        if (penaltyWindow == 0) {
            return;
        }
        recent.addLast(token);
        while (recent.size() > penaltyWindow) {
            recent.removeFirst();
        }
    }
}
