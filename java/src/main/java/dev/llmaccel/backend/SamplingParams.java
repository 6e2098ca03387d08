package dev.llmaccel.backend;

import java.util.Map;

/**
 * How logits become the next token. Every backend applies the steps in this order, so the same
 * logits and the same uniform draw give the same token everywhere:
 * <ol>
 *   <li>logit bias: {@code l[t] += bias[t]};
 *   <li>penalties over the recent tokens given with the call, per distinct token t seen c times:
 *       repetition ({@code l > 0 ? l / r : l * r}), then {@code l -= c * frequency + presence};
 *   <li>temperature 0 is greedy: the largest logit wins (lowest id on ties); otherwise logits are
 *       divided by the temperature;
 *   <li>candidates sorted by logit, descending (lower id first on ties); top-k keeps the first k;
 *   <li>softmax over the candidates; top-p keeps the shortest prefix whose probability reaches p;
 *       min-p drops candidates below {@code minP * max probability};
 *   <li>the draw u in [0, 1) picks the first candidate whose cumulative probability exceeds
 *       {@code u * total}.
 * </ol>
 *
 * @param temperature 0 for greedy, else > 0
 * @param topK 0 keeps all
 * @param topP in (0, 1]; 1 keeps all
 * @param minP in [0, 1); 0 keeps all
 * @param repetitionPenalty >= 1 is usual; 1 is none
 * @param frequencyPenalty subtracted per occurrence; 0 is none
 * @param presencePenalty subtracted once per present token; 0 is none
 * @param logitBias token id to bias, may be empty
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        float frequencyPenalty,
        float presencePenalty,
        Map<Integer, Float> logitBias) {

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0 and finite, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP < 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1), got " + minP);
        }
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition penalty must be positive and finite, got " + repetitionPenalty);
        }
        if (!Float.isFinite(frequencyPenalty) || !Float.isFinite(presencePenalty)) {
            throw new IllegalArgumentException("frequency and presence penalties must be finite");
        }
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
        for (Map.Entry<Integer, Float> e : logitBias.entrySet()) {
            if (e.getKey() < 0) {
                throw new IllegalArgumentException("logit bias for negative token id " + e.getKey());
            }
            if (Float.isNaN(e.getValue())) {
                throw new IllegalArgumentException("logit bias for token " + e.getKey() + " is NaN");
            }
        }
    }

    /** Always the most likely token. */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, Map.of());
    }

    /** Plain sampling at a temperature, no truncation or penalties. */
    public static SamplingParams ofTemperature(float temperature) {
        return new SamplingParams(temperature, 0, 1f, 0f, 1f, 0f, 0f, Map.of());
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    /** The token ids of {@link #logitBias()}, in the order of {@link #logitBiasValues()} (for kernels). */
    public int[] logitBiasTokens() {
        return logitBias.keySet().stream().mapToInt(Integer::intValue).toArray();
    }

    /** The biases of {@link #logitBias()}, in the order of {@link #logitBiasTokens()}. */
    public float[] logitBiasValues() {
        float[] values = new float[logitBias.size()];
        int i = 0;
        for (Integer t : logitBias.keySet()) {
            values[i++] = logitBias.get(t);
        }
        return values;
    }

    public boolean hasPenalties() {
        return repetitionPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f;
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, logitBias);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, logitBias);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, minP, repetitionPenalty, frequencyPenalty, presencePenalty, logitBias);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(temperature, topK, topP, p, repetitionPenalty, frequencyPenalty, presencePenalty, logitBias);
    }

    public SamplingParams withPenalties(float repetition, float frequency, float presence) {
        return new SamplingParams(temperature, topK, topP, minP, repetition, frequency, presence, logitBias);
    }

    public SamplingParams withLogitBias(Map<Integer, Float> bias) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, bias);
    }
}
