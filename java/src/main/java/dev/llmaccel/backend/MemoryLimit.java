package dev.llmaccel.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The most memory one set of buffers (a session's key/value cache and activations, a paged cache)
 * may take, checked before any of it is allocated. Native memory is committed page by page after
 * an allocation that succeeds under overcommit, so a set larger than the machine has would get the
 * process killed by the kernel halfway instead of failing: sizing first makes it an exception
 * that says how much was asked, how much there is, and what to lower.
 *
 * <p>The limit is the system property {@value #PROPERTY} (or the environment variable
 * {@value #ENVIRONMENT}): a number of bytes with an optional k, m, g or t suffix (powers of 1024),
 * or {@code none}. Without it, the limit is the memory the backend's device has available now
 * ({@link Backend#availableMemory()}: the host's MemAvailable, a GPU's free memory).
 */
public final class MemoryLimit {
    /** System property that sets the limit ("8g", "512m", "1073741824", "none"). */
    public static final String PROPERTY = "llmaccel.memory.limit";
    /** Environment variable with the same meaning (the property wins). */
    public static final String ENVIRONMENT = "LLMACCEL_MEMORY_LIMIT";

    private MemoryLimit() {}

    /**
     * Throws when a set of bytes for backend exceeds the limit.
     *
     * @param what the buffers, for the message ("a KV cache of 32 layers x 4096 tokens")
     * @param hint what to lower ("use a smaller context")
     * @throws MemoryLimitException with the size, the limit and the hint
     */
    public static void check(Backend backend, long bytes, String what, String hint) {
        String configured = configured();
        long limit;
        String source;
        if (configured != null) {
            limit = parse(configured);
            source = PROPERTY + " = " + configured.trim();
        } else {
            limit = backend.availableMemory();
            source = "the memory available on " + backend.device();
        }
        if (limit >= 0 && bytes > limit) {
            throw new MemoryLimitException(what + " needs " + size(bytes) + ", more than the " + size(limit) + " limit ("
                    + source + "): " + hint + (configured == null ? ", or set -D" + PROPERTY + " to change the limit" : ""));
        }
    }

    /** a * b * ..., or Long.MAX_VALUE when the product overflows (it exceeds every limit then). */
    public static long product(long... factors) {
        long p = 1;
        try {
            for (long f : factors) {
                p = Math.multiplyExact(p, f);
            }
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
        return p;
    }

    /** The sum, or Long.MAX_VALUE when it overflows. */
    public static long sum(long... terms) {
        long s = 0;
        try {
            for (long t : terms) {
                s = Math.addExact(s, t);
            }
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
        return s;
    }

    /** Bytes of host memory available for new allocations (Linux's MemAvailable), or -1 when unknown. */
    static long hostAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;  // "MemAvailable:  16318412 kB"
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unusual /proc: no limit then
        }
        return -1;
    }

    private static String configured() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            v = System.getenv(ENVIRONMENT);
        }
        return v == null || v.isBlank() ? null : v;
    }

    /** "8g" and the like as bytes; -1 for "none". */
    static long parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("none")) {
            return -1;
        }
        int shift = switch (v.charAt(v.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(digits.trim());
            if (n >= 0 && n <= Long.MAX_VALUE >> shift) {
                return n << shift;
            }
        } catch (NumberFormatException e) {
            // falls through to the message
        }
        throw new IllegalArgumentException(PROPERTY + " / " + ENVIRONMENT + " = \"" + value
                + "\" is not a size: give bytes with an optional k, m, g or t suffix, or none");
    }

    /** Bytes for people: "1.5 GiB". */
    public static String size(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "more than 8 EiB";
        }
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
