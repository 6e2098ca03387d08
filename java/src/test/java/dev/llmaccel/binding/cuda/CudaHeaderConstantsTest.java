package dev.llmaccel.binding.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.binding.SourceTree;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The CUDA binding reads its variant values from the headers too. Needs the CUDA library built
 * (it loads without a GPU: the CUDA runtime is linked statically), not a device.
 */
class CudaHeaderConstantsTest {

    private static int headerValue(String header, String name) {
        String text = SourceTree.read(SourceTree.root().resolve("native/include/llmaccel").resolve(header));
        Matcher m = Pattern.compile("\\b" + name + "\\s*=\\s*(\\d+)").matcher(text);
        assertTrue(m.find(), name + " is not defined in " + header);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void theBindingReadsTheHeadersValues() {
        try {
            CudaRuntime.load();
        } catch (LinkageError e) {
            Assumptions.abort("the CUDA library is not in this build: " + e.getMessage());
        }
        Map<String, IntSupplier> cuda = new LinkedHashMap<>();
        cuda.put("LLM_CUDA_GEMM_AUTO", CudaRuntime::LLM_CUDA_GEMM_AUTO);
        cuda.put("LLM_CUDA_GEMM_OWN", CudaRuntime::LLM_CUDA_GEMM_OWN);
        cuda.put("LLM_CUDA_GEMM_CUBLAS", CudaRuntime::LLM_CUDA_GEMM_CUBLAS);
        cuda.put("LLM_CUDA_PRECISION_F32", CudaRuntime::LLM_CUDA_PRECISION_F32);
        cuda.put("LLM_CUDA_PRECISION_BF16", CudaRuntime::LLM_CUDA_PRECISION_BF16);
        cuda.forEach((name, value) -> assertEquals(headerValue("cuda.h", name), value.getAsInt(), name));
        Map<String, IntSupplier> common = new LinkedHashMap<>();
        common.put("LLM_POOL_MEAN", CudaKernels::LLM_POOL_MEAN);
        common.put("LLM_POOL_CLS", CudaKernels::LLM_POOL_CLS);
        common.put("LLM_POOL_LAST", CudaKernels::LLM_POOL_LAST);
        common.put("LLM_ROPE_NORMAL", CudaKernels::LLM_ROPE_NORMAL);
        common.put("LLM_ROPE_NEOX", CudaKernels::LLM_ROPE_NEOX);
        common.forEach((name, value) -> assertEquals(headerValue("common.h", name), value.getAsInt(), name));
    }
}
