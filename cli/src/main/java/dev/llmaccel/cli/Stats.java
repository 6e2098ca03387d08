package dev.llmaccel.cli;

import dev.llmaccel.generation.GenerationResult;
import java.io.PrintWriter;
import java.util.Locale;

/** The one-line summary of a generation on stderr. */
final class Stats {
    private Stats() {}

    static void print(PrintWriter err, GenerationResult r) {
        err.printf(Locale.ROOT, "llmaccel: stopped (%s): prompt %d tokens (%d reused) in %.2f s, %.1f tokens/s; "
                        + "generated %d tokens in %.2f s, %.2f tokens/s%n",
                r.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '), r.promptTokens(),
                r.reusedPromptTokens(), r.promptNanos() / 1e9, r.promptTokensPerSecond(), r.generatedTokens(),
                r.generationNanos() / 1e9, r.tokensPerSecond());
    }
}
