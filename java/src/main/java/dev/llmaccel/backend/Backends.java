package dev.llmaccel.backend;

import dev.llmaccel.backend.cuda.CudaProbe;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * Chooses a backend. {@link #best()} takes CUDA when a usable GPU is present, else the native CPU
 * backend; {@code -Dllmaccel.backend=cpu|cuda|reference} (or the environment variable
 * {@code LLMACCEL_BACKEND}) overrides the choice. The reason for every backend passed over is
 * logged on the {@code dev.llmaccel} logger.
 */
public final class Backends {
    private static final Logger LOG = Logger.getLogger("dev.llmaccel");

    /** System property that forces a backend. */
    public static final String PROPERTY = "llmaccel.backend";

    /** Environment variable that forces a backend (the system property wins). */
    public static final String ENVIRONMENT = "LLMACCEL_BACKEND";

    private Backends() {}

    /** The best backend on this host, or the one the property or environment names. */
    public static Backend best() {
        String forced = System.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (forced == null || forced.isBlank()) {
            forced = System.getenv(ENVIRONMENT);
            source = ENVIRONMENT;
        }
        if (forced != null && !forced.isBlank()) {
            LOG.info(() -> "backend forced by configuration");
            Backend b = named(forced.trim());
            String from = source;
            LOG.info(() -> "using backend " + b.name() + " (" + from + ")");
            return b;
        }
        CudaProbe.Result cuda = CudaProbe.probe();
        if (cuda.usable()) {
            try {
                Backend b = CudaProbe.open();
                LOG.info(() -> "using backend cuda: " + cuda.description());
                return b;
            } catch (RuntimeException | LinkageError e) {
                LOG.info(() -> "skipping cuda: " + e.getMessage());
            }
        } else {
            LOG.info(() -> "skipping cuda: " + cuda.description());
        }
        Backend cpu = cpu();
        LOG.info(() -> "using backend cpu: " + CpuBackend.describe());
        return cpu;
    }

    /**
     * The backend with this name: "cpu", "cuda" or "reference".
     *
     * @throws IllegalArgumentException for another name, or "cuda" when no usable GPU is present
     */
    public static Backend named(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "cpu":
                return cpu();
            case "reference":
                return reference();
            case "cuda": {
                CudaProbe.Result cuda = CudaProbe.probe();
                if (!cuda.usable()) {
                    throw new IllegalArgumentException("backend cuda is not usable here: " + cuda.description());
                }
                return CudaProbe.open();
            }
            default:
                throw new IllegalArgumentException("unknown backend '" + name + "' (expected cpu, cuda or reference)");
        }
    }

    /** The native CPU backend. */
    public static Backend cpu() {
        return new CpuBackend();
    }

    /** The plain-Java reference backend (slow; the test oracle). */
    public static Backend reference() {
        return new ReferenceBackend();
    }
}
