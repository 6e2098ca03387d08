package dev.llmaccel.backend;

import static dev.llmaccel.backend.TestData.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one listener around every op ({@link Backend#setOpListener}) and the SPI's default kernels,
 * which report themselves not implemented.
 */
class OpListenerTest {

    /** Records what it is told, in order. */
    static final class Recorder implements OpListener {
        final List<String> events = new ArrayList<>();
        final List<OpCall> calls = new ArrayList<>();

        @Override
        public void started(OpCall call) {
            events.add("started " + call.op());
        }

        @Override
        public void finished(OpCall call, long nanos) {
            assertTrue(nanos >= 0, "nanos " + nanos);
            events.add("finished " + call.op());
            calls.add(call);
        }
    }

    @Test
    void everyOpIsReportedAroundItsKernelWithItsArguments() {
        Backend cpu = Backends.cpu();
        Recorder r = new Recorder();
        cpu.setOpListener(r);
        assertSame(r, cpu.opListener());
        try (Tensor x = Tensor.of(normal(1, 3 * 8, 1), 3, 8);
             Tensor w = Tensor.of(DType.Q8_0, normal(2, 5 * 32, 1), 5, 32);
             Tensor x32 = Tensor.of(normal(3, 3 * 32, 1), 3, 32);
             Tensor out = Tensor.zeros(DType.F32, 3, 5);
             Tensor y = Tensor.zeros(DType.F32, 3, 8)) {
            cpu.matmul(out, x32, w);
            cpu.softmax(y, x);
            cpu.gelu(y, y);
            assertEquals(List.of("started MATMUL", "finished MATMUL", "started SOFTMAX", "finished SOFTMAX",
                    "started GELU", "finished GELU"), r.events);
            OpCall matmul = r.calls.get(0);
            assertSame(cpu, matmul.backend());
            assertEquals(3, matmul.tensors());
            assertSame(out, matmul.tensor(0));
            assertSame(w, matmul.tensor(2));
            assertEquals(List.of(3L, 32L, 5L), List.of(matmul.size(0), matmul.size(1), matmul.size(2)));
            assertEquals(List.of(3L, 8L), List.of(r.calls.get(1).size(0), r.calls.get(1).size(1)));
            assertEquals(24L, r.calls.get(2).size(0));

            cpu.setOpListener(null);
            assertNull(cpu.opListener());
            cpu.softmax(y, x);
            assertEquals(6, r.events.size(), "a removed listener hears nothing more");
        }
    }

    @Test
    void aBadArgumentIsRejectedBeforeTheListenerHearsOfTheOp() {
        Backend cpu = Backends.cpu();
        Recorder r = new Recorder();
        cpu.setOpListener(r);
        try (Tensor x = Tensor.zeros(DType.F32, 3, 8);
             Tensor y = Tensor.zeros(DType.F32, 3, 9)) {
            assertThrows(IllegalArgumentException.class, () -> cpu.softmax(y, x));
        }
        assertEquals(List.of(), r.events);
    }

    @Test
    void aFailingKernelIsStillReportedFinished() {
        // Claims every op but implements no kernel: each reports itself not implemented.
        Backend bare = new FallbackTest.DecliningBackend(null);
        Recorder r = new Recorder();
        bare.setOpListener(r);
        try (Tensor x = bare.allocate(DType.F32, 2, 4);
             Tensor y = bare.allocate(DType.F32, 2, 4)) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> bare.softmax(y, x));
            assertEquals("declining has no SOFTMAX kernel", e.getMessage());
        }
        assertEquals(List.of("started SOFTMAX", "finished SOFTMAX"), r.events);
    }

    @Test
    void anOpRunOnTheFallbackIsReportedByTheBackendItWasCalledOn() {
        Backend declining = new FallbackTest.DecliningBackend(Backends.cpu());
        Recorder r = new Recorder();
        declining.setOpListener(r);
        try (Tensor hx = Tensor.of(normal(1, 2 * 32, 1), 2, 32);
             Tensor hw = Tensor.of(normal(2, 3 * 32, 1), 3, 32);
             Tensor x = declining.upload(hx);
             Tensor w = declining.upload(hw);
             Tensor out = declining.allocate(DType.F32, 2, 3)) {
            declining.matmul(out, x, w);
        }
        assertEquals(List.of("started MATMUL", "finished MATMUL"), r.events);
        assertSame(DType.F32, r.calls.get(0).tensor(2).dtype());
    }
}
