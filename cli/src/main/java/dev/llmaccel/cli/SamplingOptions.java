package dev.llmaccel.cli;

import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.generation.GenerationOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Option;

/** Sampling and length flags with llama.cpp's names and defaults. */
public final class SamplingOptions {
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

    /** The options as a {@link GenerationOptions}; bad values are IllegalArgumentExceptions naming the problem. */
    GenerationOptions toOptions() {
        SamplingParams p = new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                presencePenalty, Map.of());
        long s = seed == -1 ? ThreadLocalRandom.current().nextLong() : seed;
        return new GenerationOptions(p, maxNewTokens, stops, s, repeatLastN);
    }
}
