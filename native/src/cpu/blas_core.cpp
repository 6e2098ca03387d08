// Which of OpenBLAS's kernel sets F32 products run on (for logs). OpenBLAS built with DYNAMIC_ARCH
// (the bytedeco build is) picks it when it loads, from the CPU or from OPENBLAS_CORETYPE; the
// choice matters: on one AVX-512 host sgemm ran at 175 GFLOP/s per core on the SkylakeX set and at
// 100 on the Haswell set that the environment had forced (bench/RESULTS.md).
#include <cblas.h>

#include "llmaccel/common.h"
#include "status.h"

extern "C" const char* llm_blas_core(void) {
    return llm::guarded_value<const char*>("unknown", [] { return openblas_get_corename(); });
}
