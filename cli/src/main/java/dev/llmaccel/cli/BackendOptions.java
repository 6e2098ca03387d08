package dev.llmaccel.cli;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import java.util.logging.Logger;
import picocli.CommandLine.Option;

/** {@code --backend} and {@code --threads}, shared by every command that runs a model. */
public final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "auto (CUDA when usable, else CPU), cpu, cuda or reference (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "0",
            description = "CPU threads; 0 = one per core (default: ${DEFAULT-VALUE})")
    int threads;

    /** The chosen backend, with the CPU thread count applied. */
    public Backend open() {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
        }
        Backend b = isAuto() ? Backends.best() : Backends.named(backend);
        if (b.name().equals("cpu")) {
            CpuBackend.setThreads(threadsCapped());
        }
        return b;
    }

    /**
     * --threads, at most one per core: more only spin against each other (1000 workers on 2 cores
     * ran at 0.3 tokens/s), so a larger count is capped, with a warning.
     */
    private int threadsCapped() {
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads > cores) {
            Logger.getLogger("dev.llmaccel").warning(() -> "--threads " + threads + " is more than the " + cores
                    + " cores; using " + cores);
            return cores;
        }
        return threads;
    }

    /** Whether the backend is left to the library (and may fall back to the CPU). */
    public boolean isAuto() {
        return backend.equals("auto");
    }

    /** The CPU backend with the thread count applied: the fallback of {@code auto}. */
    public Backend cpu() {
        CpuBackend.setThreads(threadsCapped());
        return Backends.cpu();
    }
}
