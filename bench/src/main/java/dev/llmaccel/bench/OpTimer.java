package dev.llmaccel.bench;

import dev.llmaccel.backend.Op;
import dev.llmaccel.backend.OpCall;
import dev.llmaccel.backend.OpListener;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adds up the time each op's kernel takes, for profiles of a forward pass (see {@link DecodeProfile}):
 * set it on a backend with {@code setOpListener}. One thread at a time; a measuring tool, not part
 * of the library.
 */
public final class OpTimer implements OpListener {
    private final Map<String, long[]> totals = new TreeMap<>();  // label -> {calls, nanos}

    /** Per label ("matmul Q4_0 1536x576", "rms_norm", ...): {calls, nanoseconds}. */
    public Map<String, long[]> totals() {
        return totals;
    }

    public void reset() {
        totals.clear();
    }

    @Override
    public void finished(OpCall call, long nanos) {
        long[] t = totals.computeIfAbsent(label(call), k -> new long[2]);
        t[0]++;
        t[1] += nanos;
    }

    /** The op's name; a matmul's also names its weight type and shape (sizes n, k, m), which differ in cost. */
    private static String label(OpCall call) {
        String op = call.op().name().toLowerCase(java.util.Locale.ROOT);
        if (call.op() == Op.MATMUL) {
            return op + " " + call.tensor(2).dtype() + " " + call.size(2) + "x" + call.size(1);
        }
        return op;
    }
}
