package dev.llmaccel.decoding;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.SamplingParams;
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
 */
public final class Decoding {
    private final Backend backend;
    private final SamplingParams params;
    private final int penaltyWindow;
    private final long seed;
    private final ArrayDeque<Integer> recent = new ArrayDeque<>();
    private SplittableRandom random;

    /**
     * @param seed seeds the generator of the draws
     * @param penaltyWindow how many recent tokens the penalties look at (0: none)
     */
    public Decoding(Backend backend, SamplingParams params, long seed, int penaltyWindow) {
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

    /** Picks the next token from logits (vocab) F32 and remembers it. */
    public int next(Tensor logits) {
        double u = random.nextDouble();
        int token = backend.sample(logits, params, recentTokens(), u);
        remember(token);
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

    /** Forgets the history and restarts the generator from the seed. */
    public void reset() {
        recent.clear();
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
