// out = x · wᵀ. F32 weights go to OpenBLAS (single-threaded, on slices of w from this library's
// pool); the other types are converted row by row into F32 and dotted.
#include <cblas.h>

#include <vector>

#include "llmaccel/matmul.h"
#include "quant.h"
#include "status.h"
#include "thread_pool.h"

namespace {

void matmul_f32(float* out, const float* x, const float* w, int64_t n, int64_t k, int64_t m) {
    llm::parallel_for(m, 64, [&](int64_t j0, int64_t j1) {
        const int64_t cols = j1 - j0;
        if (n == 1) {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, (blasint)cols, (blasint)k, 1.0f, w + j0 * k, (blasint)k, x, 1,
                        0.0f, out + j0, 1);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)n, (blasint)cols, (blasint)k, 1.0f, x,
                        (blasint)k, w + j0 * k, (blasint)k, 0.0f, out + j0, (blasint)m);
        }
    });
}

void matmul_converted(float* out, const float* x, const void* w, int w_type, int64_t n, int64_t k, int64_t m) {
    const int64_t row_bytes = llm::type_bytes(w_type, k);
    llm::parallel_for(m, 16, [&](int64_t j0, int64_t j1) {
        std::vector<float> row((size_t)k);
        for (int64_t j = j0; j < j1; j++) {
            llm::dequantize_row(w_type, static_cast<const char*>(w) + j * row_bytes, row.data(), k);
            for (int64_t i = 0; i < n; i++) {
                const float* xi = x + i * k;
                float acc = 0.0f;
                for (int64_t c = 0; c < k; c++) acc += xi[c] * row[(size_t)c];
                out[i * m + j] = acc;
            }
        }
    });
}

}  // namespace

extern "C" int llm_matmul(float* out, const float* x, const void* w, int w_type, int64_t n, int64_t k, int64_t m) {
    if (llm::type_block_size(w_type) == 0) return LLM_ERR_UNSUPPORTED;
    return llm::guarded([&] {
        if (w_type == LLM_TYPE_F32) {
            matmul_f32(out, x, static_cast<const float*>(w), n, k, m);
        } else {
            matmul_converted(out, x, w, w_type, n, k, m);
        }
    });
}
