// The row family (Java's Op.isRowwise()): out (n, d) = f(x (n, d)) row by row, with vectors (d)
// every row shares and epsilons. One table by the op's name (Op.kernelName()) over the ops' own
// entry points, so that Java finds each kernel by name once (llm_rows_find) and calls them all
// through llm_rows, which checks the counts of vectors and scalars against the kernel's.
#include <cstdint>
#include <cstring>

#include "llmaccel/elementwise.h"
#include "llmaccel/embedding.h"
#include "llmaccel/norm.h"
#include "status.h"

namespace {

// v: the vectors (an absent optional one is null), s: the scalars.
using RowKernel = int (*)(float* out, const float* x, const float* const* v, const float* s, int64_t n, int64_t d);

struct RowOp {
    const char* name;
    int vectors;
    int scalars;
    RowKernel run;
};

const RowOp kRows[] = {
    {"rms_norm", 1, 1,
     [](float* out, const float* x, const float* const* v, const float* s, int64_t n, int64_t d) {
         return llm_rms_norm(out, x, v[0], s[0], n, d);
     }},
    {"layer_norm", 2, 1,
     [](float* out, const float* x, const float* const* v, const float* s, int64_t n, int64_t d) {
         return llm_layer_norm(out, x, v[0], v[1], s[0], n, d);
     }},
    {"softmax", 0, 0,
     [](float* out, const float* x, const float* const*, const float*, int64_t n, int64_t d) {
         return llm_softmax(out, x, n, d);
     }},
    {"l2_normalize", 0, 0,
     [](float* out, const float* x, const float* const*, const float*, int64_t n, int64_t d) {
         return llm_l2_normalize(out, x, n, d);
     }},
};

constexpr int kRowOps = sizeof(kRows) / sizeof(kRows[0]);
constexpr int kMaxVectors = 4;

}  // namespace

extern "C" int llm_rows_find(const char* name) {
    return llm::guarded_value(-1, [&] {
        for (int k = 0; k < kRowOps; k++) {
            if (std::strcmp(kRows[k].name, name) == 0) return k;
        }
        return -1;
    });
}

extern "C" int llm_rows(int kernel, float* out, const float* x, const int64_t* vectors, int n_vectors,
                        const float* scalars, int n_scalars, int64_t n, int64_t d) {
    return llm::guarded([&]() -> int {
        if (kernel < 0 || kernel >= kRowOps) return LLM_ERR_UNSUPPORTED;
        const RowOp& op = kRows[kernel];
        if (n_vectors != op.vectors || n_scalars != op.scalars || n_vectors > kMaxVectors) return LLM_ERR_UNSUPPORTED;
        const float* v[kMaxVectors] = {};
        for (int j = 0; j < n_vectors; j++) v[j] = reinterpret_cast<const float*>(static_cast<uintptr_t>(vectors[j]));
        return op.run(out, x, v, scalars, n, d);  // each entry point guards its own work too
    });
}
