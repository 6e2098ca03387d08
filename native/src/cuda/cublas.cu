// cuBLAS through dlopen. The prototypes below are cuBLAS's documented C API (cublas_api.h), written
// out here because this build has no cuBLAS headers; the enum values are cuBLAS's own (the data
// types come from CUDA's library_types.h).
#include <dlfcn.h>

#include <cstdio>
#include <mutex>

#include "cublas.cuh"

namespace {

typedef int cublasStatus_t;
typedef void* cublasHandle_t;
constexpr int CUBLAS_OP_N = 0;
constexpr int CUBLAS_OP_T = 1;
constexpr int CUBLAS_COMPUTE_32F = 68;
constexpr int CUBLAS_GEMM_DEFAULT = -1;

struct Api {
    cublasStatus_t (*create)(cublasHandle_t*);
    cublasStatus_t (*destroy)(cublasHandle_t);
    cublasStatus_t (*set_stream)(cublasHandle_t, cudaStream_t);
    cublasStatus_t (*gemm_ex)(cublasHandle_t, int transa, int transb, int m, int n, int k, const void* alpha,
                              const void* a, int a_type, int lda, const void* b, int b_type, int ldb,
                              const void* beta, void* c, int c_type, int ldc, int compute_type, int algo);
    const char* (*status_string)(cublasStatus_t);  // optional
};

Api api;
bool loaded = false;
char description[512] = "cuBLAS not looked for yet";
std::once_flag once;

template <class F>
bool bind(void* lib, const char* name, F* slot) {
    *slot = reinterpret_cast<F>(dlsym(lib, name));
    return *slot != nullptr;
}

void load() {
    void* lib = dlopen("libcublas.so.13", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        const char* why = dlerror();
        snprintf(description, sizeof description, "cuBLAS not loaded: %s", why ? why : "dlopen failed");
        return;
    }
    if (!bind(lib, "cublasCreate_v2", &api.create) || !bind(lib, "cublasDestroy_v2", &api.destroy) ||
        !bind(lib, "cublasSetStream_v2", &api.set_stream) || !bind(lib, "cublasGemmEx", &api.gemm_ex)) {
        snprintf(description, sizeof description, "cuBLAS not used: libcublas.so.13 lacks a function we call");
        dlclose(lib);
        return;
    }
    bind(lib, "cublasGetStatusString", &api.status_string);
    snprintf(description, sizeof description, "libcublas.so.13 loaded");
    loaded = true;  // the library stays loaded for the life of the process
}

}  // namespace

bool llm_cuda::cublas_loaded() {
    std::call_once(once, load);
    return loaded;
}

const char* llm_cuda::cublas_description() {
    std::call_once(once, load);
    return description;
}

const char* llm_cuda::cublas_status_string(int status) {
    if (cublas_loaded() && api.status_string) return api.status_string(status);
    return "cuBLAS call failed";
}

void llm_cuda::cublas_destroy(llm_cuda_context* ctx) {
    if (ctx->cublas && loaded) api.destroy(ctx->cublas);
    ctx->cublas = nullptr;
}

int llm_cuda::cublas_gemm(llm_cuda_context* ctx, float* out, const void* a, int64_t a_row, const void* b, GemmType t,
                          int64_t n, int64_t k, int64_t m, bool accumulate) {
    if (!cublas_loaded() || n > INT32_MAX || a_row > INT32_MAX || m > INT32_MAX) return LLM_CUDA_ERR_UNSUPPORTED;
    if (ctx->cublas == nullptr) {
        cublasStatus_t s = api.create(&ctx->cublas);
        if (s != 0) {
            ctx->cublas = nullptr;
            return LLM_CUDA_ERR_CUBLAS + s;
        }
    }
    cublasStatus_t s = api.set_stream(ctx->cublas, ctx->stream);
    if (s != 0) return LLM_CUDA_ERR_CUBLAS + s;
    const int type = t == GemmType::F32 ? CUDA_R_32F : t == GemmType::F16 ? CUDA_R_16F : CUDA_R_16BF;
    const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
    // cuBLAS is column-major: out (n, m) row-major is C (m × n) with ldc = m, and
    // C = bᵀ-as-stored · a-as-stored: b (m, k) row-major is a k × m column-major matrix (transposed),
    // a (n, k) row-major with rows a_row apart is a k × n column-major matrix with ldb = a_row.
    s = api.gemm_ex(ctx->cublas, CUBLAS_OP_T, CUBLAS_OP_N, (int)m, (int)n, (int)k, &alpha, b, type, (int)k, a, type,
                    (int)a_row, &beta, out, CUDA_R_32F, (int)m, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    return s == 0 ? 0 : LLM_CUDA_ERR_CUBLAS + s;
}
