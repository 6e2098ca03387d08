package dev.llmaccel.backend;

import dev.llmaccel.backend.cuda.CudaProbe;
import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses a backend. {@link #best()} takes CUDA when a usable GPU is present, else the native CPU
 * backend; {@code -Dllmaccel.backend=cpu|cuda|reference} (or the environment variable
 * {@code LLMACCEL_BACKEND}) overrides the choice. The choice and the reason for every backend
 * passed over are logged through {@link System.Logger} (named {@code dev.llmaccel}, so an
 * application's own logging framework gets them): at INFO by the first {@code best()} of the
 * process, at DEBUG (java.util.logging's FINE) by every later one.
 */
public final class Backends {
    private static final System.Logger LOG = System.getLogger("dev.llmaccel");
    /** Whether a best() of this process has logged its choice at INFO already. */
    private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();

    /** System property that forces a backend. */
    public static final String PROPERTY = "llmaccel.backend";

    /** Environment variable that forces a backend (the system property wins). */
    public static final String ENVIRONMENT = "LLMACCEL_BACKEND";

    private Backends() {}

    /** The best backend on this host, or the one the property or environment names. */
    public static Backend best() {
        Level level = ANNOUNCED.compareAndSet(false, true) ? Level.INFO : Level.DEBUG;
        String forced = System.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (forced == null || forced.isBlank()) {
            forced = System.getenv(ENVIRONMENT);
            source = ENVIRONMENT;
        }
        if (forced != null && !forced.isBlank()) {
            Backend b = named(forced.trim());
            String from = source;
            LOG.log(level, () -> "using backend " + b.name() + " (forced by " + from + ")");
            return b;
        }
        CudaProbe.Result cuda = CudaProbe.probe();
        if (cuda.usable()) {
            try {
                Backend b = CudaProbe.open();
                LOG.log(level, () -> "using backend cuda: " + cuda.description());
                return b;
            } catch (RuntimeException | LinkageError e) {
                LOG.log(level, () -> "skipping cuda: " + e.getMessage());
            }
        } else {
            LOG.log(level, () -> "skipping cuda: " + cuda.description());
        }
        Backend cpu = cpu();
        LOG.log(level, () -> "using backend cpu: " + CpuBackend.describe());
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
