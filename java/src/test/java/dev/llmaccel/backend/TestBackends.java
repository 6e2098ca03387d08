package dev.llmaccel.backend;

import dev.llmaccel.backend.cuda.CudaProbe;
import java.util.ArrayList;
import java.util.List;

/** The backends the op suite runs on: every native backend present on this host. */
final class TestBackends {
    private TestBackends() {}

    /**
     * "cpu" and "cuda" (whose cases skip when no usable GPU is present); the system property
     * llmaccel.test.backends (e.g. "cuda", as the GPU bundle sets it) keeps only the named ones.
     */
    static List<String> nativeNames() {
        List<String> names = new ArrayList<>();
        names.add("cpu");
        names.add("cuda");
        String only = System.getProperty("llmaccel.test.backends");
        if (only != null && !only.isBlank()) {
            names.retainAll(List.of(only.split(",")));
        }
        return names;
    }

    /** Whether the named backend can run here, and if not why (for a visible skip). */
    static String unavailableReason(String name) {
        if (name.equals("cuda")) {
            CudaProbe.Result r = CudaProbe.probe();
            return r.usable() ? null : r.description();
        }
        return null;
    }
}
