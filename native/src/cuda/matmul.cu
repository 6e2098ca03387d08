// Matrix products out (n, m) = x (n, k) · w (m, k)ᵀ for weights in F32, F16, BF16, Q8_0 and Q4_0.
//
// Decode (n <= 8): GEMV. One warp per weight row reads the row once with 16-byte loads, several
// in flight per lane, dequantises in registers and keeps x in F32; a warp reduction gives each
// output. Weights are loaded as streaming data (__ldcs: read once, evicted first), so that x,
// which every warp reads, stays in the L1 cache. Q8_0/Q4_0 blocks (34 and 18 bytes) are not 16-byte aligned: each warp copies a tile of
// its row into shared memory with aligned 16-byte loads (the next tile's loads in flight while the
// current one is decoded) and decodes from there.
//
// Batches (n > 8): x goes once to 16 bits: F16 for F16 weights; for BF16 weights two BF16 parts
// hi + lo (rounding x to BF16 alone costs about 2e-3 relative error; the split costs a second
// tensor-core pass and keeps BF16's range) unless BF16 precision was asked for; BF16 for the
// quantized types. Then either cuBLAS (F16/BF16, when loaded and chosen) or the library's kernel:
// 128 × 128 tiles, 8 warps of 64 × 32, mma.sync m16n8k16 with F32 accumulators, operands through
// registers into double-buffered shared memory (quantized blocks dequantised to BF16 on the way),
// ldmatrix into fragments. F32 weights take cuBLAS (F32, no TF32) or an F32 tiled kernel.
//
// Shapes the fast paths do not cover (k not a multiple of 8 / 32 / 256, misaligned views) take
// a generic GEMV that loads element by element: slow, but any shape is right.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "context.cuh"
#include "cublas.cuh"
#include "mma.cuh"
#include "quant.cuh"

namespace {

using llm_cuda::kQ4Bytes;
using llm_cuda::kQ8Bytes;
using llm_cuda::kQBlock;
using llm_cuda::ldmatrix_x4;
using llm_cuda::mma16816;
using llm_cuda::pack2;

bool aligned16(const void* p) { return ((uintptr_t)p & 15) == 0; }

// ---- GEMV -----------------------------------------------------------------------------------------

constexpr int kGemvWarps = 8;      // weight rows per block
constexpr int kGemvUnroll = 4;     // 16-byte loads in flight per lane (direct types)
constexpr int kTile = 4096;        // row elements staged at a time (quantized types)
constexpr int kStagePad = 16;      // the decoder reads one word past a staged tile

template <int TYPE>
constexpr bool kStaged = TYPE == LLM_TYPE_Q8_0 || TYPE == LLM_TYPE_Q4_0;

template <int TYPE>
constexpr int kTileBytes = TYPE == LLM_TYPE_Q8_0 ? kTile / kQBlock * kQ8Bytes : kTile / kQBlock * kQ4Bytes;

// 8 consecutive weights as raw bytes: 32 for F32, 16 for the 16-bit types.
template <int TYPE>
struct Raw8 {
    uint4 v[TYPE == LLM_TYPE_F32 ? 2 : 1];
};

template <int TYPE>
__device__ __forceinline__ Raw8<TYPE> load_raw8(const uint8_t* row, int64_t e) {
    Raw8<TYPE> r;
    if constexpr (TYPE == LLM_TYPE_F32) {
        const uint4* p = reinterpret_cast<const uint4*>(row + 4 * e);
        r.v[0] = __ldcs(p);
        r.v[1] = __ldcs(p + 1);
    } else {
        r.v[0] = __ldcs(reinterpret_cast<const uint4*>(row + 2 * e));
    }
    return r;
}

__device__ __forceinline__ void unpack_bf16x2(uint32_t u, float& lo, float& hi) {
    lo = __uint_as_float(u << 16);
    hi = __uint_as_float(u & 0xffff0000u);
}

__device__ __forceinline__ void unpack_f16x2(uint32_t u, float& lo, float& hi) {
    float2 f = __half22float2(*reinterpret_cast<const __half2*>(&u));
    lo = f.x;
    hi = f.y;
}

template <int TYPE>
__device__ __forceinline__ void decode8(const Raw8<TYPE>& r, float v[8]) {
    if constexpr (TYPE == LLM_TYPE_F32) {
        const uint32_t w[8] = {r.v[0].x, r.v[0].y, r.v[0].z, r.v[0].w, r.v[1].x, r.v[1].y, r.v[1].z, r.v[1].w};
#pragma unroll
        for (int i = 0; i < 8; i++) v[i] = __uint_as_float(w[i]);
    } else {
        const uint32_t w[4] = {r.v[0].x, r.v[0].y, r.v[0].z, r.v[0].w};
#pragma unroll
        for (int i = 0; i < 4; i++) {
            if constexpr (TYPE == LLM_TYPE_BF16) {
                unpack_bf16x2(w[i], v[2 * i], v[2 * i + 1]);
            } else {
                unpack_f16x2(w[i], v[2 * i], v[2 * i + 1]);
            }
        }
    }
}

// Σ v[i] · x[i] over 8 values of x at a 16-byte aligned address.
__device__ __forceinline__ float dot8(const float v[8], const float* x) {
    const float4 a = *reinterpret_cast<const float4*>(x);
    const float4 b = *reinterpret_cast<const float4*>(x + 4);
    return v[0] * a.x + v[1] * a.y + v[2] * a.z + v[3] * a.w + v[4] * b.x + v[5] * b.y + v[6] * b.z + v[7] * b.w;
}

// Reduces each row's partial sums over the warp and writes them.
template <int NMAX>
__device__ __forceinline__ void gemv_store(float* out, const float acc[NMAX], int n, int64_t m, int64_t j, int lane) {
#pragma unroll
    for (int r = 0; r < NMAX; r++) {
        const float s = llm_cuda::warp_reduce(acc[r], llm_cuda::Sum());
        if (lane == 0 && r < n) out[r * m + j] = s;
    }
}

// Fast GEMV. Needs: w and x 16-byte aligned; k % 8 == 0 (direct types) or k % 256 == 0 (staged
// types), so that every row starts 16-byte aligned. x holds n <= NMAX rows.
template <int TYPE, int NMAX>
__global__ void __launch_bounds__(kGemvWarps * 32) gemv_kernel(float* __restrict__ out, const float* __restrict__ x,
                                                               const uint8_t* __restrict__ w, int n, int64_t k,
                                                               int64_t m, int64_t row_bytes) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int64_t j = (int64_t)blockIdx.x * kGemvWarps + warp;
    if (j >= m) return;  // only warp-level synchronisation below
    const uint8_t* row = w + j * row_bytes;
    float acc[NMAX];
#pragma unroll
    for (int r = 0; r < NMAX; r++) acc[r] = 0.0f;

    if constexpr (!kStaged<TYPE>) {
        const int64_t groups = k / 8;  // lane takes groups lane, lane + 32, ...; group g is elements 8g .. 8g+7
        for (int64_t g0 = lane; g0 < groups; g0 += 32 * kGemvUnroll) {
            Raw8<TYPE> raw[kGemvUnroll];
#pragma unroll
            for (int u = 0; u < kGemvUnroll; u++) {
                if (g0 + 32 * u < groups) raw[u] = load_raw8<TYPE>(row, 8 * (g0 + 32 * u));
            }
#pragma unroll
            for (int u = 0; u < kGemvUnroll; u++) {
                const int64_t g = g0 + 32 * u;
                if (g < groups) {
                    float v[8];
                    decode8<TYPE>(raw[u], v);
#pragma unroll
                    for (int r = 0; r < NMAX; r++) {
                        if (r < n) acc[r] += dot8(v, x + r * k + 8 * g);
                    }
                }
            }
        }
    } else {
        constexpr int kBlockBytes = TYPE == LLM_TYPE_Q8_0 ? kQ8Bytes : kQ4Bytes;
        constexpr int kLoads = (kTileBytes<TYPE> / 16 + 31) / 32;  // 16-byte loads per lane per tile
        __shared__ __align__(16) uint8_t stages[kGemvWarps][kTileBytes<TYPE> + kStagePad];
        uint8_t* stage = stages[warp];
        const int64_t tiles = (k + kTile - 1) / kTile;
        uint4 raw[kLoads];
        // 16-byte pieces of tile t (a whole number: tiles hold a multiple of 256 values).
        auto pieces = [&](int64_t t) {
            const int64_t len = k - t * kTile < kTile ? k - t * kTile : kTile;
            return (int)(len / kQBlock * kBlockBytes / 16);
        };
        auto fetch = [&](int64_t t) {
            const uint4* src = reinterpret_cast<const uint4*>(row + t * kTileBytes<TYPE>);
            const int count = pieces(t);
#pragma unroll
            for (int u = 0; u < kLoads; u++) {
                if (lane + 32 * u < count) raw[u] = __ldcs(src + lane + 32 * u);
            }
        };
        auto store = [&](int64_t t) {
            const int count = pieces(t);
#pragma unroll
            for (int u = 0; u < kLoads; u++) {
                if (lane + 32 * u < count) reinterpret_cast<uint4*>(stage)[lane + 32 * u] = raw[u];
            }
        };
        fetch(0);
        store(0);
        __syncwarp();
        for (int64_t t = 0; t < tiles; t++) {
            if (t + 1 < tiles) fetch(t + 1);  // in flight while this tile is decoded
            const int len = (int)(k - t * kTile < kTile ? k - t * kTile : kTile);
            const float* xt = x + t * kTile;
            for (int e = 8 * lane; e < len; e += 256) {
                float v[8];
                const float d = llm_cuda::block_ints8<TYPE>(stage, e, v);
#pragma unroll
                for (int r = 0; r < NMAX; r++) {
                    if (r < n) acc[r] += d * dot8(v, xt + r * k + e);
                }
            }
            __syncwarp();
            if (t + 1 < tiles) {
                store(t + 1);
                __syncwarp();
            }
        }
    }
    gemv_store<NMAX>(out, acc, n, m, j, lane);
}

// Generic GEMV: any k, any alignment, element by element.
template <int TYPE, int NMAX>
__global__ void __launch_bounds__(kGemvWarps * 32) gemv_generic_kernel(float* __restrict__ out,
                                                                       const float* __restrict__ x,
                                                                       const uint8_t* __restrict__ w, int n, int64_t k,
                                                                       int64_t m, int64_t row_bytes) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int64_t j = (int64_t)blockIdx.x * kGemvWarps + warp;
    if (j >= m) return;
    const uint8_t* row = w + j * row_bytes;
    float acc[NMAX];
#pragma unroll
    for (int r = 0; r < NMAX; r++) acc[r] = 0.0f;
    for (int64_t i = lane; i < k; i += 32) {
        const float v = llm_cuda::load_one<TYPE>(row, i);
#pragma unroll
        for (int r = 0; r < NMAX; r++) {
            if (r < n) acc[r] += v * x[r * k + i];
        }
    }
    gemv_store<NMAX>(out, acc, n, m, j, lane);
}

template <int TYPE, int NMAX>
void launch_gemv(cudaStream_t stream, float* out, const float* x, const void* w, int n, int64_t k, int64_t m) {
    const int64_t rb = llm_cuda::row_bytes(TYPE, k);
    const bool fast = aligned16(w) && aligned16(x) && (kStaged<TYPE> ? k % 256 == 0 : k % 8 == 0);
    const unsigned blocks = (unsigned)((m + kGemvWarps - 1) / kGemvWarps);
    if (fast) {
        gemv_kernel<TYPE, NMAX><<<blocks, kGemvWarps * 32, 0, stream>>>(out, x, (const uint8_t*)w, n, k, m, rb);
    } else {
        gemv_generic_kernel<TYPE, NMAX><<<blocks, kGemvWarps * 32, 0, stream>>>(out, x, (const uint8_t*)w, n, k, m, rb);
    }
}

// n <= 8 rows of x against w, in one pass over w.
template <int TYPE>
void gemv(cudaStream_t stream, float* out, const float* x, const void* w, int n, int64_t k, int64_t m) {
    if (n == 1) {
        launch_gemv<TYPE, 1>(stream, out, x, w, n, k, m);
    } else if (n == 2) {
        launch_gemv<TYPE, 2>(stream, out, x, w, n, k, m);
    } else if (n <= 4) {
        launch_gemv<TYPE, 4>(stream, out, x, w, n, k, m);
    } else {
        launch_gemv<TYPE, 8>(stream, out, x, w, n, k, m);
    }
}

// ---- x rounded to 16 bits -------------------------------------------------------------------------

// count / 4 float4s to count / 4 pairs of packed 16-bit pairs (count % 4 == 0, x 16-byte aligned).
template <bool HALF>
__global__ void round16_kernel(uint2* out, const float4* x, int64_t quads) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < quads; i += (int64_t)gridDim.x * blockDim.x) {
        const float4 v = x[i];
        out[i] = make_uint2(pack2<HALF>(v.x, v.y), pack2<HALF>(v.z, v.w));
    }
}

// x (n, k) as BF16 pairs hi + lo with hi + lo = x to 16 bits: out (n, 2k) holds [hi | lo] per row,
// so that one GEMM over 2k columns (the weights read twice) gives x · wᵀ within about 1e-5.
__global__ void split_bf16_kernel(uint16_t* out, const float* x, int64_t n, int64_t k) {
    const int64_t total = n * k;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = i / k, c = i % k;
        const __nv_bfloat16 hi = __float2bfloat16_rn(x[i]);
        const __nv_bfloat16 lo = __float2bfloat16_rn(x[i] - __bfloat162float(hi));
        out[r * 2 * k + c] = *reinterpret_cast<const uint16_t*>(&hi);
        out[r * 2 * k + k + c] = *reinterpret_cast<const uint16_t*>(&lo);
    }
}

// ---- tensor-core GEMM -----------------------------------------------------------------------------

constexpr int kBM = 128, kBN = 128, kBK = 32;
constexpr int kGemmThreads = 256;
constexpr int kLds = kBK + 8;  // shared row stride in 16-bit elements: 80 bytes, ldmatrix without bank conflicts

// Weights kk .. kk+7 of a row as eight 16-bit values (kk % 8 == 0): F16/BF16 as stored (the row
// 16-byte aligned), Q8_0/Q4_0 dequantised and rounded to BF16.
template <int TYPE>
__device__ __forceinline__ uint4 load_b8(const uint8_t* row, int64_t kk) {
    if constexpr (TYPE == LLM_TYPE_F16 || TYPE == LLM_TYPE_BF16) {
        return *reinterpret_cast<const uint4*>(row + 2 * kk);
    } else {
        return llm_cuda::block_bf16x8<TYPE>(row, kk);
    }
}

// out (n, m) = a (n, k) · w' (m, k)ᵀ where w' is w (m, kw) repeated along k (k = kw, or 2 kw for
// x split into BF16 hi and lo parts); a is x in 16 bits (F16 when TYPE is F16, else BF16);
// kw % 32 == 0; a 16-byte aligned; for F16/BF16 w too. Grid: (m / 128 tiles, n / 128 tiles).
template <int TYPE>
__global__ void __launch_bounds__(kGemmThreads, 2) gemm_kernel(float* __restrict__ out, const uint16_t* __restrict__ a,
                                                            const uint8_t* __restrict__ w, int64_t n, int64_t k,
                                                            int64_t kw, int64_t m, int64_t row_bytes) {
    constexpr bool kHalf = TYPE == LLM_TYPE_F16;
    __shared__ __align__(16) uint16_t as[2][kBM][kLds];
    __shared__ __align__(16) uint16_t bs[2][kBN][kLds];
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const int64_t row0 = (int64_t)blockIdx.y * kBM;  // rows of x and out
    const int64_t col0 = (int64_t)blockIdx.x * kBN;  // rows of w, columns of out
    const int wm = (warp / 4) * 64, wn = (warp % 4) * 32;  // this warp's 64 × 32 piece of the tile

    float acc[4][4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int c = 0; c < 4; c++) acc[i][j][c] = 0.0f;

    // Each thread moves two 8-element pieces of each operand per k-tile: piece p = tid + 256 i
    // is row p / 4, elements (p % 4) * 8 .. +7 of the tile.
    uint4 ra[2], rb[2];
    auto fetch = [&](int64_t k0) {
#pragma unroll
        for (int i = 0; i < 2; i++) {
            const int p = tid + kGemmThreads * i, r = p / 4, kc = (p % 4) * 8;
            ra[i] = row0 + r < n ? *reinterpret_cast<const uint4*>(a + (row0 + r) * k + k0 + kc) : make_uint4(0, 0, 0, 0);
            const int64_t kk = k0 + kc < kw ? k0 + kc : k0 + kc - kw;
            rb[i] = col0 + r < m ? load_b8<TYPE>(w + (col0 + r) * row_bytes, kk) : make_uint4(0, 0, 0, 0);
        }
    };
    auto store = [&](int s) {
#pragma unroll
        for (int i = 0; i < 2; i++) {
            const int p = tid + kGemmThreads * i, r = p / 4, kc = (p % 4) * 8;
            *reinterpret_cast<uint4*>(&as[s][r][kc]) = ra[i];
            *reinterpret_cast<uint4*>(&bs[s][r][kc]) = rb[i];
        }
    };

    const int64_t ktiles = k / kBK;
    fetch(0);
    store(0);
    __syncthreads();
    for (int64_t kt = 0; kt < ktiles; kt++) {
        const int s = (int)(kt & 1);
        if (kt + 1 < ktiles) fetch((kt + 1) * kBK);  // in flight during the products below
#pragma unroll
        for (int kk = 0; kk < kBK; kk += 16) {
            uint32_t af[4][4], bf[4][2];
#pragma unroll
            for (int mi = 0; mi < 4; mi++) {
                // lanes 0-15: rows 0-15 at k 0; lanes 16-31: rows 0-15 at k 8 -> a0..a3 of m16n8k16
                ldmatrix_x4(af[mi], &as[s][wm + mi * 16 + (lane & 15)][kk + (lane >> 4) * 8]);
            }
#pragma unroll
            for (int np = 0; np < 2; np++) {
                // matrices: (n 0-7, k 0), (n 0-7, k 8), (n 8-15, k 0), (n 8-15, k 8) -> b0, b1 of two n-tiles
                uint32_t t[4];
                ldmatrix_x4(t, &bs[s][wn + np * 16 + (lane & 7) + ((lane >> 4) << 3)][kk + ((lane >> 3) & 1) * 8]);
                bf[2 * np][0] = t[0];
                bf[2 * np][1] = t[1];
                bf[2 * np + 1][0] = t[2];
                bf[2 * np + 1][1] = t[3];
            }
#pragma unroll
            for (int mi = 0; mi < 4; mi++)
#pragma unroll
                for (int ni = 0; ni < 4; ni++) mma16816<kHalf>(acc[mi][ni], af[mi], bf[ni]);
        }
        if (kt + 1 < ktiles) store(s ^ 1);  // stage s ^ 1 was last read before the previous barrier
        __syncthreads();
    }

    // c0, c1: row g, columns 2t, 2t+1; c2, c3: row g + 8 (g = lane / 4, t = lane % 4)
#pragma unroll
    for (int mi = 0; mi < 4; mi++) {
#pragma unroll
        for (int ni = 0; ni < 4; ni++) {
            const int64_t c = col0 + wn + ni * 8 + (lane % 4) * 2;
#pragma unroll
            for (int half = 0; half < 2; half++) {
                const int64_t r = row0 + wm + mi * 16 + lane / 4 + half * 8;
                if (r < n) {
                    if (c < m) out[r * m + c] = acc[mi][ni][2 * half];
                    if (c + 1 < m) out[r * m + c + 1] = acc[mi][ni][2 * half + 1];
                }
            }
        }
    }
}

// ---- F32 GEMM -------------------------------------------------------------------------------------

constexpr int kSTile = 64, kSK = 16;

// 64 × 64 tiles of out, 256 threads of 4 × 4 outputs, F32 throughout. Any shape.
__global__ void __launch_bounds__(256) sgemm_kernel(float* __restrict__ out, const float* __restrict__ x,
                                                    const float* __restrict__ w, int64_t n, int64_t k, int64_t m) {
    __shared__ float xs[kSK][kSTile + 4];  // [k][row], padded against bank conflicts
    __shared__ float ws[kSK][kSTile + 4];  // [k][column]
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int64_t row0 = (int64_t)blockIdx.y * kSTile, col0 = (int64_t)blockIdx.x * kSTile;
    float acc[4][4] = {};
    for (int64_t k0 = 0; k0 < k; k0 += kSK) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int e = tid + 256 * i, r = e / kSK, kk = e % kSK;
            const bool in_k = k0 + kk < k;
            xs[kk][r] = in_k && row0 + r < n ? x[(row0 + r) * k + k0 + kk] : 0.0f;
            ws[kk][r] = in_k && col0 + r < m ? w[(col0 + r) * k + k0 + kk] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < kSK; kk++) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                a[i] = xs[kk][ty * 4 + i];
                b[i] = ws[kk][tx * 4 + i];
            }
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int64_t r = row0 + ty * 4 + i;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int64_t c = col0 + tx * 4 + j;
            if (r < n && c < m) out[r * m + c] = acc[i][j];
        }
    }
}

// ---- dispatch -------------------------------------------------------------------------------------

bool use_cublas(const llm_cuda_context* ctx) {
    return ctx->gemm_engine == LLM_CUDA_GEMM_CUBLAS ||
           (ctx->gemm_engine == LLM_CUDA_GEMM_AUTO && llm_cuda::cublas_loaded());
}

// n > 8 rows of x.
template <int TYPE>
int gemm(llm_cuda_context* ctx, float* out, const float* x, const void* w, int64_t n, int64_t k, int64_t m) {
    cudaStream_t stream = ctx->stream;
    if constexpr (TYPE == LLM_TYPE_F32) {
        if (use_cublas(ctx)) return llm_cuda::cublas_gemm(ctx, out, x, k, w, llm_cuda::GemmType::F32, n, k, m, false);
        const dim3 grid((unsigned)((m + kSTile - 1) / kSTile), (unsigned)((n + kSTile - 1) / kSTile));
        sgemm_kernel<<<grid, 256, 0, stream>>>(out, x, (const float*)w, n, k, m);
        return llm_cuda::launch_status();
    } else {
        constexpr bool kHalf = TYPE == LLM_TYPE_F16;
        const bool tiles_fit = k % kBK == 0 && aligned16(x) && (kStaged<TYPE> || aligned16(w));
        if (!tiles_fit) {  // the generic GEMV, eight rows at a time
            for (int64_t r0 = 0; r0 < n; r0 += 8) {
                const int rows = (int)(n - r0 < 8 ? n - r0 : 8);
                gemv<TYPE>(stream, out + r0 * m, x + r0 * k, w, rows, k, m);
            }
            return llm_cuda::launch_status();
        }
        // x in 16 bits: F16 for F16 weights; for BF16 weights split into hi + lo unless BF16
        // precision was asked for; BF16 for the quantized types (their tiles are BF16)
        const bool split = TYPE == LLM_TYPE_BF16 && ctx->precision == LLM_CUDA_PRECISION_F32;
        const int64_t ka = split ? 2 * k : k;  // a's row length
        void* s = nullptr;
        int err = llm_cuda::scratch(&s, ctx, llm_cuda::align_up((size_t)(n * ka) * 2));
        if (err) return err;
        uint16_t* a = (uint16_t*)s;
        if (split) {
            split_bf16_kernel<<<llm_cuda::stride_grid(n * k, 256), 256, 0, stream>>>(a, x, n, k);
        } else {
            round16_kernel<kHalf><<<llm_cuda::stride_grid(n * k / 4, 256), 256, 0, stream>>>(
                reinterpret_cast<uint2*>(a), reinterpret_cast<const float4*>(x), n * k / 4);
        }
        if ((err = llm_cuda::launch_status())) return err;
        if (!kStaged<TYPE> && use_cublas(ctx)) {
            const llm_cuda::GemmType t = kHalf ? llm_cuda::GemmType::F16 : llm_cuda::GemmType::BF16;
            err = llm_cuda::cublas_gemm(ctx, out, a, ka, w, t, n, k, m, false);
            if (err || !split) return err;
            return llm_cuda::cublas_gemm(ctx, out, a + k, ka, w, t, n, k, m, true);  // + lo · wᵀ
        }
        const dim3 grid((unsigned)((m + kBN - 1) / kBN), (unsigned)((n + kBM - 1) / kBM));
        gemm_kernel<TYPE><<<grid, kGemmThreads, 0, stream>>>(out, a, (const uint8_t*)w, n, ka, k, m,
                                                              llm_cuda::row_bytes(TYPE, k));
        return llm_cuda::launch_status();
    }
}

}  // namespace

extern "C" int llm_cuda_weight_type_supported(int type) {
    return llm_cuda::guarded_value(0, [&] { return llm_cuda::type_supported(type) ? 1 : 0; });
}

extern "C" int llm_cuda_matmul(llm_cuda_context* ctx, float* out, const float* x, const void* w, int w_type, int64_t n,
                               int64_t k, int64_t m) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (!llm_cuda::type_supported(w_type)) return LLM_CUDA_ERR_UNSUPPORTED;
        if (n == 0 || m == 0) return 0;
        if (k == 0) return (int)cudaMemsetAsync(out, 0, (size_t)(n * m) * sizeof(float), ctx->stream);
        if (n > 65535 * (int64_t)kBM || m > 2147483647LL * kGemvWarps) return LLM_CUDA_ERR_UNSUPPORTED;
        int err = 0;
        llm_cuda::dispatch_type(w_type, [&](auto type) {
            constexpr int TYPE = decltype(type)::value;
            if (n <= 8) {
                gemv<TYPE>(ctx->stream, out, x, w, (int)n, k, m);
                err = llm_cuda::launch_status();
            } else {
                err = gemm<TYPE>(ctx, out, x, w, n, k, m);
            }
        });
        return err;
    });
}
