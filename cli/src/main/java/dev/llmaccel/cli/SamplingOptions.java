package dev.llmaccel.cli;

import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.generation.GenerationOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** Sampling and length flags with llama.cpp's names and defaults. */
public final class SamplingOptions {
    /** llama.cpp's TOKEN(+|-)BIAS. */
    private static final Pattern LOGIT_BIAS = Pattern.compile("(\\d+)([+-])([0-9.eE+-]+|(?i:inf|infinity))");

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "-1",
            description = "tokens to generate; -1 = until the end of the text or context (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--temp", paramLabel = "T", defaultValue = "0.8", description = "temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "keep the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "nucleus sampling; 1.0 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "drop tokens below P times the best one's probability; 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0", description = "penalty for repeated tokens; 1.0 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64", description = "tokens the penalties look back on (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--presence-penalty", paramLabel = "A", defaultValue = "0.0", description = "presence penalty (default: ${DEFAULT-VALUE})")
    float presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "A", defaultValue = "0.0", description = "frequency penalty (default: ${DEFAULT-VALUE})")
    float frequencyPenalty;

    @Option(names = {"-s", "--seed"}, paramLabel = "SEED", defaultValue = "-1", description = "sampler seed; -1 = random (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-r", "--reverse-prompt", "--stop"}, paramLabel = "TEXT", description = "stop when TEXT appears (repeatable)")
    List<String> stops = new ArrayList<>();

    @Option(names = {"-l", "--logit-bias"}, paramLabel = "TOKEN+BIAS",
            description = "add BIAS to the logit of token id TOKEN, as llama.cpp spells it: 15043+1, 15043-1, 2-inf (repeatable)")
    List<String> logitBias = new ArrayList<>();

    /** The options as a {@link GenerationOptions}; bad values are IllegalArgumentExceptions naming the problem. */
    GenerationOptions toOptions() {
        SamplingParams p = new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                presencePenalty, logitBiases());
        long s = seed == -1 ? ThreadLocalRandom.current().nextLong() : seed;
        return new GenerationOptions(p, maxNewTokens, stops, s, repeatLastN);
    }

    /** Checks the token ids of --logit-bias against the model's vocabulary, once it is loaded. */
    void checkVocabulary(int vocabSize) {
        for (int token : logitBiases().keySet()) {
            if (token >= vocabSize) {
                throw new IllegalArgumentException("--logit-bias names token " + token + "; the model's vocabulary has "
                        + vocabSize + " tokens (0.." + (vocabSize - 1) + ")");
            }
        }
    }

    private Map<Integer, Float> logitBiases() {
        Map<Integer, Float> biases = new LinkedHashMap<>();
        for (String spec : logitBias) {
            Matcher m = LOGIT_BIAS.matcher(spec.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("--logit-bias " + spec + ": expected TOKEN+BIAS or TOKEN-BIAS, e.g. 15043+1 or 2-inf");
            }
            float magnitude;
            String value = m.group(3);
            if (value.equalsIgnoreCase("inf") || value.equalsIgnoreCase("infinity")) {
                magnitude = Float.POSITIVE_INFINITY;
            } else {
                try {
                    magnitude = Float.parseFloat(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--logit-bias " + spec + ": " + value + " is not a number");
                }
            }
            int token;
            try {
                token = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--logit-bias " + spec + ": token id " + m.group(1) + " is too large");
            }
            biases.merge(token, m.group(2).equals("-") ? -magnitude : magnitude, Float::sum);
        }
        return biases;
    }
}
