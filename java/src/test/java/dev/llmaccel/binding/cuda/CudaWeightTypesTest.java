package dev.llmaccel.binding.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmaccel.tensor.DType;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The CUDA library reports the weight types its matmul and embedding kernels read (CudaBackend's
 * supports asks it instead of keeping its own list). Needs the CUDA library built, not a device.
 */
class CudaWeightTypesTest {

    @Test
    void theLibraryReportsTheTypesItsKernelsRead() {
        try {
            CudaRuntime.load();
        } catch (LinkageError e) {
            Assumptions.abort("the CUDA library is not in this build: " + e.getMessage());
        }
        Set<DType> read = EnumSet.noneOf(DType.class);
        for (DType t : DType.values()) {
            if (CudaKernels.llm_cuda_weight_type_supported(t.ggmlId()) != 0) {
                read.add(t);
            }
        }
        assertEquals(EnumSet.of(DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0), read);
        assertEquals(0, CudaKernels.llm_cuda_weight_type_supported(9), "Q8_1 is no weight type");
        assertEquals(0, CudaKernels.llm_cuda_weight_type_supported(-1));
    }
}
