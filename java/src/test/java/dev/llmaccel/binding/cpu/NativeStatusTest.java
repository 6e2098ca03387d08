package dev.llmaccel.binding.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.NativeException;
import dev.llmaccel.binding.SourceTree;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A C++ exception inside a kernel comes back through JNI as its own status and a clear
 * NativeException, from real failures: an allocation no machine can make (std::bad_alloc) and a
 * vector longer than its max_size (std::length_error), both reached by calling the binding with a
 * size the Java checks would refuse. The internal and unknown kinds have no such trigger in the
 * shipped library; native/test/cpu/status_test.cpp covers them (and every other exception type)
 * at each build.
 */
class NativeStatusTest {

    /** The statuses of common.h's enum llm_status, by name. */
    private static Map<String, Integer> headerStatuses() {
        String text = SourceTree.read(SourceTree.root().resolve("native/include/llmaccel/common.h"));
        Matcher m = Pattern.compile("\\b(LLM_(?:OK|ERR_\\w+))\\s*=\\s*(\\d+)").matcher(text);
        Map<String, Integer> out = new LinkedHashMap<>();
        while (m.find()) {
            out.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertTrue(out.keySet().containsAll(Set.of("LLM_OK", "LLM_ERR_OUT_OF_MEMORY", "LLM_ERR_INVALID_ARGUMENT",
                "LLM_ERR_INTERNAL", "LLM_ERR_UNKNOWN")), "statuses in common.h: " + out);
        return out;
    }

    /** RoPE over no tokens with rot_dims pairs of frequencies: the frequency table is allocated first. */
    private static int ropeWithFrequencies(long rotDims) {
        return CpuKernels.llm_rope(0L, 0, 1, 1, 2, 0, CpuKernels.LLM_ROPE_NORMAL(), 10000.0, rotDims, null);
    }

    @Test
    void anAllocationNoMachineCanMakeIsOutOfMemory() {
        int status = ropeWithFrequencies(1L << 46);  // 2^45 doubles: 256 TiB, beyond the address space
        assertEquals(headerStatuses().get("LLM_ERR_OUT_OF_MEMORY"), status);
        NativeException e = assertThrows(NativeException.class, () -> NativeException.check(status, "rope"));
        assertEquals(status, e.status());
        assertTrue(e.getMessage().startsWith("rope failed: out of memory"), e.getMessage());
        assertTrue(e.getMessage().contains("bad_alloc"), "the exception's own words: " + e.getMessage());
    }

    @Test
    void aVectorBeyondItsMaxSizeIsAnInvalidArgument() {
        int status = ropeWithFrequencies(1L << 62);  // 2^61 doubles: more than std::vector's max_size
        assertEquals(headerStatuses().get("LLM_ERR_INVALID_ARGUMENT"), status);
        NativeException e = assertThrows(NativeException.class, () -> NativeException.check(status, "rope"));
        assertTrue(e.getMessage().startsWith("rope failed: invalid argument"), e.getMessage());
        assertTrue(e.getMessage().contains("vector"), "the exception's own words: " + e.getMessage());
    }

    @Test
    void aStatusReturnedWithoutAnExceptionCarriesNoStaleDetail() {
        assertEquals(headerStatuses().get("LLM_ERR_INVALID_ARGUMENT"), ropeWithFrequencies(1L << 62));
        assertFalse(CpuRuntime.llm_error_detail().isEmpty(), "the failure's detail");
        int status = CpuKernels.llm_dequantize(0L, 0L, 9999, 0);  // no such type: unsupported, nothing thrown
        assertEquals(headerStatuses().get("LLM_ERR_UNSUPPORTED"), status);
        NativeException e = assertThrows(NativeException.class, () -> NativeException.check(status, "dequantize"));
        assertEquals("dequantize failed: unsupported by this build or CPU (status " + status + ")", e.getMessage());
        assertEquals(headerStatuses().get("LLM_OK"), ropeWithFrequencies(2));
    }

    @Test
    void everyStatusHasItsOwnMessage() {
        Set<String> messages = new HashSet<>();
        headerStatuses().forEach((name, code) -> {
            String message = CpuRuntime.llm_status_string(code);
            assertFalse(message.isEmpty() || message.equals("unknown status"), name + " has no message of its own");
            assertTrue(messages.add(message), name + " shares its message '" + message + "'");
        });
        assertEquals("unknown status", CpuRuntime.llm_status_string(999));
    }
}
