// out = x · wᵀ: the driver. The activations are prepared once (quantized to 8-bit blocks for the
// quantized weight types), then the weight rows are split among the pool's threads and fed to the
// dot kernels of the best instruction-set level (matmul_kernels.h). For several activation rows
// (prefill) each thread walks its weights tile by tile, and every tile, small enough to stay in
// the core's cache, meets all activation rows before the next tile is read: the weights come from
// memory once per matmul, not once per row. F32 weights go to a GEMM: our own at every row count on
// AVX-512 hosts (sgemm_avx512.cpp), OpenBLAS sgemm for several rows elsewhere.
//
// Batch invariance: at a given instruction-set level, each output row depends on its own
// activation row only, never on how many rows share the call (the kernels keep one summation order
// per row, whatever the row count), so a sequence decoded in a batch gets exactly the logits it
// gets alone. OpenBLAS gives no such promise: F32 weights at the AVX2 and portable levels are the
// one exception.
#include <cblas.h>
#include <xmmintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <new>

#include "cpu_features.h"
#include "llmaccel/matmul.h"
#include "matmul_kernels.h"
#include "quant.h"
#include "scratch.h"
#include "sgemm.h"
#include "status.h"
#include "thread_pool.h"

namespace llm {

int64_t q8_block32_row_bytes(int64_t k, bool with_corr) {
    auto aligned = [](int64_t bytes) { return (bytes + 63) / 64 * 64; };
    int64_t blocks = k / kQK;
    return aligned(k) + (with_corr ? aligned(k) : 0) + 2 * aligned(blocks * 4);
}

Q8Block32Row q8_block32_row(const char* row, int64_t k, bool with_corr) {
    auto aligned = [](int64_t bytes) { return (bytes + 63) / 64 * 64; };
    int64_t blocks = k / kQK;
    const char* corr = row + aligned(k);
    const char* d = corr + (with_corr ? aligned(k) : 0);
    const char* s = d + aligned(blocks * 4);
    return {reinterpret_cast<const int8_t*>(row), with_corr ? reinterpret_cast<const int32_t*>(corr) : nullptr,
            reinterpret_cast<const float*>(d), reinterpret_cast<const float*>(s)};
}

namespace {

// Weight tiles of about this size stay in a core's L2 cache while every activation row meets them.
constexpr int64_t kWeightTileBytes = 128 * 1024;

// A parallel chunk holds at least this much work, in weight bytes times activation rows: below
// that, waking a thread costs more than it saves.
constexpr int64_t kMinChunkBytes = 32 * 1024;

// The first pass over a tile streams its weights from memory: rows this far ahead are asked for
// while a row is computed, so that the loads of several rows are in flight at once.
constexpr int64_t kPrefetchRows = 2;

void prefetch(const char* p, int64_t bytes) {
    for (int64_t b = 0; b < bytes; b += 64) _mm_prefetch(p + b, _MM_HINT_T0);
}

// Below the AVX-512 level, F32 weights with fewer activation rows than this go through the dot
// kernels (one pass over the weights per call); from here on OpenBLAS's blocking wins.
constexpr int64_t kGemmMinRows = 4;

DotKernel select_kernel(int type) {
    const int level = simd_level();
    if (level >= kSimdAvx512) {
        DotKernel k = dot_kernel_avx512(type);
        if (k.dot != nullptr) return k;
    }
    if (level >= kSimdAvx2) {
        DotKernel k = dot_kernel_avx2(type);
        if (k.dot != nullptr) return k;
    }
    return dot_kernel_portable(type);
}

// ---- activation preparation: the portable definition (prepare_row_avx2 gives the same bytes) -----

// Symmetric 8-bit quantization of n values: q = round(x / d) (ties to even), d = amax / 127.
// Returns d.
float quantize_symmetric(const float* x, int n, int8_t* q) {
    float amax = 0;
    for (int j = 0; j < n; j++) amax = std::max(amax, std::fabs(x[j]));
    float d = amax / 127.0f;
    float id = d > 0 ? 1.0f / d : 0.0f;
    for (int j = 0; j < n; j++) q[j] = (int8_t)std::nearbyint(x[j] * id);
    return d;
}

// One activation row (k) into the kQ8Block32 format f at out.
void prepare_block32_row(char* out, const float* x, int64_t k, const XFormat& f) {
    const bool with_corr = f.offset != 0;
    Q8Block32Row row = q8_block32_row(out, k, with_corr);
    auto* q = const_cast<int8_t*>(row.q);
    auto* d = const_cast<float*>(row.d);
    auto* s = const_cast<float*>(row.s);
    const int64_t nb = k / kQK;
    for (int64_t b = 0; b < nb; b++) {
        int8_t block[kQK];
        d[b] = quantize_symmetric(x + b * kQK, kQK, block);
        int sum = 0;
        for (int j = 0; j < kQK; j++) sum += block[j];
        s[b] = d[b] * (float)sum;
        int64_t first;
        int size;
        interleave_group(b, nb, f.interleave, &first, &size);
        const int64_t t = b - first;
        for (int j = 0; j < 16; j++) {
            q[first * kQK + 16 * t + j] = block[j];
            q[first * kQK + 16 * size + 16 * t + j] = block[16 + j];
        }
        if (with_corr) {
            auto* corr = const_cast<int32_t*>(row.corr) + first * 8;
            for (int lane = 0; lane < 4; lane++) {
                int both = 0;
                for (int j = 4 * lane; j < 4 * lane + 4; j++) both += block[j] + block[16 + j];
                corr[4 * t + lane] = -f.offset * both;
                corr[4 * size + 4 * t + lane] = 0;
            }
        }
    }
}

// One activation row (k) into k / 256 Q8_K blocks.
void prepare_q8k_row(BlockQ8K* out, const float* x, int64_t k) {
    for (int64_t b = 0; b < k / kQKK; b++) {
        BlockQ8K& blk = out[b];
        blk.d = quantize_symmetric(x + b * kQKK, kQKK, blk.q);
        for (int j = 0; j < kQKK / 16; j++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) sum += blk.q[16 * j + i];
            blk.bsums[j] = (int16_t)sum;
        }
    }
}

void prepare_row_portable(char* out, const float* row, int64_t k, const XFormat& f) {
    if (f.kind == XKind::kQ8K) {
        prepare_q8k_row(reinterpret_cast<BlockQ8K*>(out), row, k);
    } else {
        prepare_block32_row(out, row, k, f);
    }
}

int64_t prepared_row_bytes(const XFormat& f, int64_t k) {
    switch (f.kind) {
        case XKind::kQ8Block32: return q8_block32_row_bytes(k, f.offset != 0);
        case XKind::kQ8K: return (k / kQKK * (int64_t)sizeof(BlockQ8K) + 63) / 64 * 64;
        default: return k * 4;
    }
}

// ---- the two paths ---------------------------------------------------------------------------------

void matmul_kernels(float* out, const float* x, const void* w, int w_type, int64_t n, int64_t k, int64_t m,
                    const DotKernel& kernel) {
    const XFormat& f = kernel.format;
    const char* xp = reinterpret_cast<const char*>(x);
    int64_t x_stride = k * 4;
    if (f.kind != XKind::kF32) {
        x_stride = prepared_row_bytes(f, k);
        char* prepared = scratch(kScratchActivations, n * x_stride);
        const PrepareFn prepare = simd_level() >= kSimdAvx2 ? prepare_row_avx2 : prepare_row_portable;
        parallel_for(n, 1, [&](int64_t i0, int64_t i1) {
            for (int64_t i = i0; i < i1; i++) prepare(prepared + i * x_stride, x + i * k, k, f);
        });
        xp = prepared;
    }
    const int64_t row_bytes = type_bytes(w_type, k);
    const int64_t tile_rows = std::max<int64_t>(1, kWeightTileBytes / row_bytes);
    // Chunks may be smaller than a tile: with several rows, a projection of a few hundred weight
    // rows (a KV head's) must still be split among the threads.
    const int64_t grain = std::max<int64_t>(1, kMinChunkBytes / (row_bytes * n));
    const char* wp = static_cast<const char*>(w);
    parallel_for(m, grain, [&](int64_t j0, int64_t j1) {
        for (int64_t t0 = j0; t0 < j1; t0 += tile_rows) {
            const int64_t t1 = std::min(j1, t0 + tile_rows);
            for (int64_t i0 = 0; i0 < n; i0 += kernel.max_rows) {
                const int nx = (int)std::min<int64_t>(kernel.max_rows, n - i0);
                for (int64_t j = t0; j < t1; j++) {
                    if (i0 == 0 && j + kPrefetchRows < j1) prefetch(wp + (j + kPrefetchRows) * row_bytes, row_bytes);
                    kernel.dot(out + i0 * m + j, m, xp + i0 * x_stride, x_stride, nx, wp + j * row_bytes, k);
                }
            }
        }
    });
}

// F32 weights: the library's own GEMM at the AVX-512 level (sgemm.h), for every row count; else
// OpenBLAS; one single-threaded call per thread on an equal share of the weight rows (a share per
// thread, not more: each call packs x again).
void matmul_f32_rows(float* out, const float* x, const float* w, int64_t n, int64_t k, int64_t m) {
    const bool own = simd_level() >= kSimdAvx512;
    const int64_t threads = thread_count();
    const int64_t align = own ? 32 : 16;
    const int64_t share = ((m + threads - 1) / threads + align - 1) / align * align;
    parallel_for((m + share - 1) / share, 1, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; p++) {
            const int64_t j0 = p * share;
            const int64_t cols = std::min(share, m - j0);
            if (own) {
                float* workspace = reinterpret_cast<float*>(
                        scratch(kScratchGemm, sgemm_avx512_workspace_floats() * (int64_t)sizeof(float)));
                sgemm_avx512(out, x, w, n, k, m, j0, j0 + cols, workspace);
            } else if (n == 1) {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, (blasint)cols, (blasint)k, 1.0f, w + j0 * k, (blasint)k, x,
                            1, 0.0f, out + j0, 1);
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)n, (blasint)cols, (blasint)k, 1.0f, x,
                            (blasint)k, w + j0 * k, (blasint)k, 0.0f, out + j0, (blasint)m);
            }
        }
    });
}

}  // namespace
}  // namespace llm

extern "C" int llm_matmul(float* out, const float* x, const void* w, int w_type, int64_t n, int64_t k, int64_t m) {
    return llm::guarded([&]() -> int {
        if (llm::type_block_size(w_type) == 0) return LLM_ERR_UNSUPPORTED;
        if (n == 0 || m == 0) return LLM_OK;
        if (k == 0) {
            for (int64_t i = 0; i < n * m; i++) out[i] = 0.0f;
            return LLM_OK;
        }
        llm::DotKernel kernel = llm::select_kernel(w_type);
        if (w_type == LLM_TYPE_F32 && (kernel.dot == nullptr || n >= llm::kGemmMinRows ||
                                       llm::simd_level() >= llm::kSimdAvx512)) {
            llm::matmul_f32_rows(out, x, static_cast<const float*>(w), n, k, m);
        } else {
            llm::matmul_kernels(out, x, w, w_type, n, k, m, kernel);
        }
        return LLM_OK;
    });
}
