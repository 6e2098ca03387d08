package dev.llmaccel.cli;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
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
            CpuBackend.setThreads(threads);
        }
        return b;
    }

    /** Whether the backend is left to the library (and may fall back to the CPU). */
    public boolean isAuto() {
        return backend.equals("auto");
    }

    /** The CPU backend with the thread count applied: the fallback of {@code auto}. */
    public Backend cpu() {
        CpuBackend.setThreads(threads);
        return Backends.cpu();
    }
}
