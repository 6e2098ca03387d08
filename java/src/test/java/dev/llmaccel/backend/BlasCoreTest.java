package dev.llmaccel.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The OpenBLAS kernel set that the backend logs. */
class BlasCoreTest {

    @Test
    void coreIsNamedAndFollowsTheEnvironment() {
        String core = CpuBackend.blasCore();
        assertFalse(core == null || core.isBlank(), "no core name");
        String forced = System.getenv("OPENBLAS_CORETYPE");
        Assumptions.assumeTrue(forced != null, "OPENBLAS_CORETYPE is not set: OpenBLAS chose " + core + " from the CPU");
        assertEquals(forced.toLowerCase(Locale.ROOT), core.toLowerCase(Locale.ROOT));
    }
}
