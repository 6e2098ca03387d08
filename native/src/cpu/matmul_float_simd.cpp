// The dot kernels of the float weight types (F32, F16, BF16) at every level, written once over
// vec.h: the weights converted to F32 kLanes at a time (vcvtph2ps for F16, a shift into the top
// half for BF16) and dotted with the F32 activations. See matmul_kernels.h.
#include "matmul_kernels.h"
#include "vec.h"

namespace llm {
namespace LLM_ISA {
namespace {

struct LoadF32 {
    template <class Lanes>
    static Vec at(const void* w, int64_t i, Lanes lanes) {
        return load(static_cast<const float*>(w) + i, lanes);
    }
};
struct LoadF16 {
    template <class Lanes>
    static Vec at(const void* w, int64_t i, Lanes lanes) {
        return load_f16(static_cast<const uint16_t*>(w) + i, lanes);
    }
};
struct LoadBF16 {
    template <class Lanes>
    static Vec at(const void* w, int64_t i, Lanes lanes) {
        return load_bf16(static_cast<const uint16_t*>(w) + i, lanes);
    }
};

template <class Load>
struct FloatKernel {
    template <int NX>
    static void run(float* out, int64_t out_stride, const char* x, int64_t x_stride, const void* w, int64_t k) {
        // Chains of FMAs in flight per row, the same for every row count: a row's sum must not
        // depend on how many rows share the call (a batch gives each sequence the result it gets
        // alone). Four rows of U chains must fit the registers: 2 chains with 16 (AVX2), 4 with 32.
        constexpr int U = kRegisters / 8;
        const float* xr[NX];
        Vec acc[NX][U];
        for (int r = 0; r < NX; r++) {
            xr[r] = reinterpret_cast<const float*>(x + r * x_stride);
            for (int u = 0; u < U; u++) acc[r][u] = zero();
        }
        int64_t c = 0;
        for (; c + kLanes * U <= k; c += kLanes * U) {
            for (int u = 0; u < U; u++) {
                const Vec wv = Load::at(w, c + kLanes * u, Full{});
                for (int r = 0; r < NX; r++) acc[r][u] = fma(wv, load(xr[r] + c + kLanes * u), acc[r][u]);
            }
        }
        for_lanes(k - c, [&](int64_t i, auto lanes) {
            const Vec wv = Load::at(w, c + i, lanes);
            for (int r = 0; r < NX; r++) acc[r][0] = fma(wv, load(xr[r] + c + i, lanes), acc[r][0]);
        });
        for (int r = 0; r < NX; r++) {
            for (int u = 1; u < U; u++) acc[r][0] = acc[r][0] + acc[r][u];
            out[r * out_stride] = hsum(acc[r][0]);
        }
    }
};

}  // namespace

// F32 at the portable level: nullptr, for OpenBLAS's gemv beats one lane.
extern const FloatDotKernels kFloatDotKernels = {kLanes > 1 ? dot_rows<FloatKernel<LoadF32>> : nullptr,
                                                 dot_rows<FloatKernel<LoadF16>>, dot_rows<FloatKernel<LoadBF16>>};

}  // namespace LLM_ISA
}  // namespace llm
