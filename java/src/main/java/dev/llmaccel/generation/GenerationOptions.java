package dev.llmaccel.generation;

import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.grammar.Grammar;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link Generator} continues a prompt.
 *
 * @param sampling how logits become tokens (temperature 0 is greedy)
 * @param maxNewTokens stop after this many tokens; -1 for no limit but the context
 * @param stopStrings generation stops before the first of these appears in the text (which then
 *     leaves it out); may be empty
 * @param seed seeds the sampler's draws
 * @param penaltyWindow how many recent tokens (prompt included) the repetition, frequency and
 *     presence penalties look at
 * @param grammar what the generated text must follow, or null for anything: only tokens the
 *     grammar allows are sampled, end tokens only where it can end, and generation ends once it
 *     must (see {@link dev.llmaccel.grammar.TokenConstraint}); with a token limit (or a context
 *     that fills) the grammar is steered to finish within it
 */
public record GenerationOptions(SamplingParams sampling, int maxNewTokens, List<String> stopStrings, long seed,
        int penaltyWindow, Grammar grammar) {

    /** llama.cpp's default penalty window ({@code --repeat-last-n}). */
    public static final int DEFAULT_PENALTY_WINDOW = 64;

    public GenerationOptions {
        Objects.requireNonNull(sampling, "sampling");
        if (maxNewTokens < -1) {
            throw new IllegalArgumentException("max new tokens must be >= 0, or -1 for no limit; got " + maxNewTokens);
        }
        stopStrings = List.copyOf(Objects.requireNonNull(stopStrings, "stopStrings"));
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("a stop string must not be empty");
            }
        }
        if (penaltyWindow < 0) {
            throw new IllegalArgumentException("penalty window must be >= 0, got " + penaltyWindow);
        }
    }

    /** Options without a grammar. */
    public GenerationOptions(SamplingParams sampling, int maxNewTokens, List<String> stopStrings, long seed, int penaltyWindow) {
        this(sampling, maxNewTokens, stopStrings, seed, penaltyWindow, null);
    }

    /** Greedy decoding, up to maxNewTokens tokens, no stop strings, seed 0. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(SamplingParams.greedy(), maxNewTokens, List.of(), 0, DEFAULT_PENALTY_WINDOW);
    }

    /**
     * llama.cpp's default sampler (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalty)
     * with the given limit and seed.
     */
    public static GenerationOptions sampled(int maxNewTokens, long seed) {
        SamplingParams p = SamplingParams.ofTemperature(0.8f).withTopK(40).withTopP(0.95f).withMinP(0.05f);
        return new GenerationOptions(p, maxNewTokens, List.of(), seed, DEFAULT_PENALTY_WINDOW);
    }

    public GenerationOptions withSampling(SamplingParams s) {
        return new GenerationOptions(s, maxNewTokens, stopStrings, seed, penaltyWindow, grammar);
    }

    public GenerationOptions withMaxNewTokens(int n) {
        return new GenerationOptions(sampling, n, stopStrings, seed, penaltyWindow, grammar);
    }

    public GenerationOptions withStopStrings(List<String> stops) {
        return new GenerationOptions(sampling, maxNewTokens, stops, seed, penaltyWindow, grammar);
    }

    public GenerationOptions withSeed(long s) {
        return new GenerationOptions(sampling, maxNewTokens, stopStrings, s, penaltyWindow, grammar);
    }

    public GenerationOptions withPenaltyWindow(int w) {
        return new GenerationOptions(sampling, maxNewTokens, stopStrings, seed, w, grammar);
    }

    /** These options with a grammar the text must follow (null: none). */
    public GenerationOptions withGrammar(Grammar g) {
        return new GenerationOptions(sampling, maxNewTokens, stopStrings, seed, penaltyWindow, g);
    }

    /**
     * These options with the grammar of a JSON Schema: the text is a JSON document the schema
     * accepts (see {@link dev.llmaccel.grammar.JsonSchemaConverter} for the features supported).
     *
     * @throws dev.llmaccel.grammar.JsonSchemaException when the schema is not JSON or uses an unsupported feature
     */
    public GenerationOptions withJsonSchema(String schema) {
        return withGrammar(Grammar.fromJsonSchema(schema));
    }
}
