package dev.llmaccel.binding.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.binding.SourceTree;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The CUDA library's own codes, one per kind of C++ failure in its host code (the guard of
 * native/src/status.h with cuda.h's table), each explained by llm_cuda_error_string in words of
 * its own. Needs the CUDA library built, not a device.
 */
class CudaStatusTest {

    private static void load() {
        try {
            CudaRuntime.load();
        } catch (LinkageError e) {
            Assumptions.abort("the CUDA library is not in this build: " + e.getMessage());
        }
    }

    @Test
    void everyCodeOfTheLibraryHasItsOwnMessage() {
        load();
        String text = SourceTree.read(SourceTree.root().resolve("native/include/llmaccel/cuda.h"));
        Matcher m = Pattern.compile("#define (LLM_CUDA_ERR_\\w+) (\\d+)").matcher(text);
        Map<String, Integer> codes = new LinkedHashMap<>();
        while (m.find()) {
            codes.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertTrue(codes.keySet().containsAll(Set.of("LLM_CUDA_ERR_INTERNAL", "LLM_CUDA_ERR_HOST_OUT_OF_MEMORY",
                "LLM_CUDA_ERR_INVALID_ARGUMENT", "LLM_CUDA_ERR_UNKNOWN")), "codes in cuda.h: " + codes);
        Set<String> messages = new HashSet<>();
        messages.add(CudaRuntime.llm_cuda_error_string(2));  // cudaErrorMemoryAllocation: device memory
        codes.forEach((name, code) -> {
            String message = CudaRuntime.llm_cuda_error_string(code);
            assertFalse(message == null || message.isEmpty(), name);
            assertTrue(messages.add(message), name + " shares its message '" + message + "'");
        });
    }

    @Test
    void aCallThatThrewNothingLeavesNoDetail() {
        load();
        int[] count = new int[1];
        CudaRuntime.llm_cuda_device_count(count);  // no device here is a status, not an exception
        assertEquals("", CudaRuntime.llm_cuda_error_detail());
    }
}
