package dev.llmaccel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.tensor.Tensor;
import org.junit.jupiter.api.function.Executable;

/**
 * For bad-input tests: a call must fail with the expected exception and a message that names
 * the problem, and afterwards the library must still work (no native state was damaged).
 */
public final class BadInput {
    private BadInput() {}

    /**
     * Asserts that call throws type with a message containing every fragment (case-insensitive),
     * then that a normal op still gives the right answer on the native CPU backend.
     */
    public static <T extends Throwable> T rejects(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        for (String f : fragments) {
            assertTrue(message.contains(f.toLowerCase(java.util.Locale.ROOT)),
                    () -> "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
        assertStillWorks();
        return e;
    }

    /** A small add on the native CPU backend gives the exact sums. */
    public static void assertStillWorks() {
        try (Backend cpu = Backends.cpu();
             Tensor a = Tensor.of(new float[] {1, 2, 3}, 3);
             Tensor b = Tensor.of(new float[] {10, 20, 30}, 3);
             Tensor out = Tensor.zeros(a.dtype(), 3)) {
            cpu.add(out, a, b);
            assertArrayEquals(new float[] {11, 22, 33}, out.toFloatArray());
        }
    }
}
