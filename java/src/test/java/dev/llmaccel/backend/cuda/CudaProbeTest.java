package dev.llmaccel.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.LogCapture;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Finding out whether CUDA is usable never crashes, says why not, and steers Backends.best(). */
class CudaProbeTest {

    @Test
    void theProbeAnswersOnAnyHostAndAnswersOnce() {
        CudaProbe.Result r = CudaProbe.probe();
        assertFalse(r.description().isBlank());
        assertSame(r, CudaProbe.probe());
        if (!r.usable()) {
            String d = r.description();
            assertTrue(d.contains("CUDA library not available") || d.contains("CUDA error") || d.contains("no CUDA device")
                    || d.contains("compute capability"), "a reason for every way CUDA can be missing: " + d);
        }
    }

    @Test
    void withoutAUsableGpuCudaIsRefusedWithTheReason() {
        CudaProbe.Result r = CudaProbe.probe();
        Assumptions.assumeFalse(r.usable(), "a usable GPU is present");
        IllegalArgumentException named = assertThrows(IllegalArgumentException.class, () -> Backends.named("cuda"));
        assertTrue(named.getMessage().contains(r.description()), named.getMessage());
        IllegalStateException opened = assertThrows(IllegalStateException.class, CudaProbe::open);
        assertTrue(opened.getMessage().contains(r.description()), opened.getMessage());
    }

    @Test
    void bestLogsWhyItSkipsCuda() {
        CudaProbe.Result r = CudaProbe.probe();
        Assumptions.assumeFalse(r.usable(), "a usable GPU is present");
        Assumptions.assumeTrue(System.getProperty(Backends.PROPERTY) == null && System.getenv(Backends.ENVIRONMENT) == null,
                "a backend is forced by configuration");
        List<String> messages;
        try (LogCapture log = new LogCapture(); Backend b = Backends.best()) {
            assertEquals("cpu", b.name());
            messages = log.messages();
        }
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("skipping cuda: ") && m.contains(r.description())),
                "logged: " + messages);
    }

    @Test
    void withAUsableGpuBestPicksCuda() {
        Assumptions.assumeTrue(CudaProbe.probe().usable(), () -> "no usable GPU: " + CudaProbe.probe().description());
        Assumptions.assumeTrue(System.getProperty(Backends.PROPERTY) == null && System.getenv(Backends.ENVIRONMENT) == null,
                "a backend is forced by configuration");
        try (Backend b = Backends.best()) {
            assertEquals("cuda", b.name());
        }
    }
}
