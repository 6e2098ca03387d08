// Scaled dot-product attention with grouped-query heads, causal / sliding-window / padding masks.
//
// Decode (nq <= 4): flash-decoding. The keys a query sees are cut into chunks that run as separate
// blocks; a block reads its chunk's keys and values once for all query heads of a group (GQA),
// in three phases (scores into shared memory; maximum and exponentials; values weighted by them),
// and writes an unnormalised partial result with its maximum and sum. A merge kernel combines the
// chunks. Lanes split a key's dimensions 16 apiece, so a warp works on 32 / (head_dim / 16) keys
// at once with short shuffle reductions.
//
// Prefill (nq > 4): flash attention. A block takes 64 rows (queries × the heads of one group, so
// that a key/value tile serves the whole group) and walks 64-key tiles with an online softmax;
// tiles no row of the block can see are skipped. F32 arithmetic: as exact as the CPU kernels.
// At BF16 precision (llm_cuda_context_set_precision) prefill for head sizes 64 and 128 runs
// on tensor cores instead: FlashAttention-2's scheme with mma.sync (see prefill_tc_kernel).
#include "attention.cuh"
#include "context.cuh"
#include "mma.cuh"

namespace {

// Head sizes are served by kernels for a padded size D in {32, 64, 128, 256}.
int padded_head_dim(int64_t hd) { return hd <= 32 ? 32 : hd <= 64 ? 64 : hd <= 128 ? 128 : hd <= 256 ? 256 : 0; }

bool aligned16(const void* p) { return ((uintptr_t)p & 15) == 0; }

// ---- decode ---------------------------------------------------------------------------------------

constexpr int kDecodeWarps = 4;
using llm_cuda::kChunk;
using llm_cuda::key_range;
using llm_cuda::Rules;
using llm_cuda::visible;

// Values d .. d+3 of a row, zero beyond hd; one float4 load when vec (then d + 3 < hd).
__device__ __forceinline__ float4 load4(const float* row, int d, int64_t hd, bool vec) {
    if (vec) return *reinterpret_cast<const float4*>(row + d);
    return make_float4(d < hd ? row[d] : 0.0f, d + 1 < hd ? row[d + 1] : 0.0f, d + 2 < hd ? row[d + 2] : 0.0f,
                       d + 3 < hd ? row[d + 3] : 0.0f);
}

// 16 consecutive values of a row (dims d0 .. d0+15), zero beyond hd.
__device__ __forceinline__ void load16(float v[16], const float* row, int d0, int64_t hd, bool vec) {
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const float4 f = load4(row, d0 + 4 * i, hd, vec);
        v[4 * i] = f.x;
        v[4 * i + 1] = f.y;
        v[4 * i + 2] = f.z;
        v[4 * i + 3] = f.w;
    }
}

struct DecodeShape {
    int64_t nq, heads, kv_heads, hd, capacity, group, head_chunks, splits, chunk;
};

// Grid: (splits, kv_heads × head_chunks, batch × nq); kDecodeWarps warps. Writes, per (batch,
// query, head, split): part_acc[hd] = Σ p·v and part_ml = (max score, Σ p) with p = exp(score - max).
template <int D, int GMAX>
__global__ void __launch_bounds__(kDecodeWarps * 32) decode_kernel(float* part_acc, float2* part_ml, const float* q,
                                                                   const float* k, const float* v, Rules rules,
                                                                   DecodeShape s, float scale, bool vec) {
    constexpr int kLanesPerKey = D / 16;
    constexpr int kKeysPerWarp = 32 / kLanesPerKey;
    constexpr int kKeysPerStep = kDecodeWarps * kKeysPerWarp;
    __shared__ float scores[GMAX][kChunk];
    __shared__ float reduce[kDecodeWarps][GMAX][D];
    __shared__ float shared[32];
    __shared__ float row_max[GMAX], row_sum[GMAX];

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int sub = lane % kLanesPerKey, slot = lane / kLanesPerKey;
    const int d0 = sub * 16;
    const int64_t split = blockIdx.x;
    const int64_t kh = blockIdx.y / s.head_chunks, g0 = (blockIdx.y % s.head_chunks) * GMAX;
    const int64_t b = blockIdx.z / s.nq, i = blockIdx.z % s.nq;
    const int groups = (int)(s.group - g0 < GMAX ? s.group - g0 : GMAX);
    const int64_t pos = rules.q_pos + i;
    int64_t lo, hi;
    key_range(rules, pos, lo, hi);
    const int64_t start = lo + split * s.chunk;
    const int64_t end = start + s.chunk < hi ? start + s.chunk : hi;
    const int64_t len = end > start ? end - start : 0;

    // this query's heads h = kh * group + g0 + g; scale folded into q
    float qv[GMAX][16];
#pragma unroll
    for (int g = 0; g < GMAX; g++) {
        if (g < groups) {
            const float* qrow = q + ((b * s.nq + i) * s.heads + kh * s.group + g0 + g) * s.hd;
            load16(qv[g], qrow, d0, s.hd, vec);
#pragma unroll
            for (int e = 0; e < 16; e++) qv[g][e] *= scale;
        } else {
#pragma unroll
            for (int e = 0; e < 16; e++) qv[g][e] = 0.0f;
        }
    }
    const int64_t kv_stride = s.kv_heads * s.hd;  // between consecutive positions
    const float* kbase = k + (b * s.capacity * s.kv_heads + kh) * s.hd;
    const float* vbase = v + (b * s.capacity * s.kv_heads + kh) * s.hd;

    // 1. scores (-inf where the mask hides a key)
    for (int64_t t0 = 0; t0 < len; t0 += kKeysPerStep) {
        const int64_t t = t0 + warp * kKeysPerWarp + slot;
        const bool valid = t < len;
        float kv[16];
        if (valid) {
            load16(kv, kbase + (start + t) * kv_stride, d0, s.hd, vec);
        } else {
#pragma unroll
            for (int e = 0; e < 16; e++) kv[e] = 0.0f;
        }
#pragma unroll
        for (int g = 0; g < GMAX; g++) {
            float dot = 0.0f;
#pragma unroll
            for (int e = 0; e < 16; e++) dot += qv[g][e] * kv[e];
#pragma unroll
            for (int o = kLanesPerKey / 2; o > 0; o >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, o);
            if (valid && sub == 0 && g < groups) {
                const bool kept = rules.mask == nullptr || rules.mask[b * rules.kv_len + start + t] != 0;
                scores[g][t] = kept ? dot : -INFINITY;
            }
        }
    }
    __syncthreads();

    // 2. per head: maximum, exponentials in place, their sum
    for (int g = 0; g < groups; g++) {
        float m = -INFINITY;
        for (int64_t t = threadIdx.x; t < len; t += blockDim.x) m = fmaxf(m, scores[g][t]);
        m = llm_cuda::block_max(m, shared);
        float sum = 0.0f;
        for (int64_t t = threadIdx.x; t < len; t += blockDim.x) {
            const float p = m == -INFINITY ? 0.0f : expf(scores[g][t] - m);
            scores[g][t] = p;
            sum += p;
        }
        sum = llm_cuda::block_sum(sum, shared);
        if (threadIdx.x == 0) {
            row_max[g] = m;
            row_sum[g] = sum;
        }
    }
    __syncthreads();

    // 3. Σ p · v over this lane's keys, then over the keys of the warp, then over the warps
    float acc[GMAX][16];
#pragma unroll
    for (int g = 0; g < GMAX; g++)
#pragma unroll
        for (int e = 0; e < 16; e++) acc[g][e] = 0.0f;
    for (int64_t t0 = 0; t0 < len; t0 += kKeysPerStep) {
        const int64_t t = t0 + warp * kKeysPerWarp + slot;
        if (t < len) {
            float vv[16];
            load16(vv, vbase + (start + t) * kv_stride, d0, s.hd, vec);
#pragma unroll
            for (int g = 0; g < GMAX; g++) {
                const float p = g < groups ? scores[g][t] : 0.0f;
#pragma unroll
                for (int e = 0; e < 16; e++) acc[g][e] += p * vv[e];
            }
        }
    }
#pragma unroll
    for (int g = 0; g < GMAX; g++) {
#pragma unroll
        for (int e = 0; e < 16; e++) {
#pragma unroll
            for (int o = kLanesPerKey; o < 32; o <<= 1) acc[g][e] += __shfl_xor_sync(0xffffffffu, acc[g][e], o);
            if (slot == 0) reduce[warp][g][d0 + e] = acc[g][e];
        }
    }
    __syncthreads();
    for (int e = threadIdx.x; e < groups * D; e += blockDim.x) {
        const int g = e / D, d = e % D;
        if (d >= s.hd) continue;
        float total = 0.0f;
#pragma unroll
        for (int w = 0; w < kDecodeWarps; w++) total += reduce[w][g][d];
        const int64_t row = ((b * s.nq + i) * s.heads + kh * s.group + g0 + g) * s.splits + split;
        part_acc[row * s.hd + d] = total;
        if (d == 0) part_ml[row] = make_float2(row_max[g], row_sum[g]);
    }
}

// One block per (batch, query, head): combines the chunks' partial results.
__global__ void merge_kernel(float* out, const float* part_acc, const float2* part_ml, int64_t splits, int64_t hd) {
    const int64_t row = blockIdx.x;
    const float2* ml = part_ml + row * splits;
    float m = -INFINITY;
    for (int64_t s = 0; s < splits; s++) m = fmaxf(m, ml[s].x);
    float sum = 0.0f;
    if (m != -INFINITY) {
        for (int64_t s = 0; s < splits; s++) {
            if (ml[s].x != -INFINITY) sum += ml[s].y * expf(ml[s].x - m);
        }
    }
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (int64_t d = threadIdx.x; d < hd; d += blockDim.x) {
        float y = 0.0f;
        if (sum > 0.0f) {
            for (int64_t s = 0; s < splits; s++) {
                // chunks that saw nothing have max -inf and may hold stale partial sums: skip them
                if (ml[s].x != -INFINITY) y += part_acc[(row * splits + s) * hd + d] * expf(ml[s].x - m);
            }
        }
        out[row * hd + d] = y * inv;
    }
}

// ---- prefill --------------------------------------------------------------------------------------

constexpr int kRows = 64;      // query rows (query × head of the group) per block
constexpr int kKeys = 64;      // keys per tile
constexpr int kPrefillThreads = 256;

struct PrefillShape {
    int64_t nq, heads, kv_heads, hd, capacity, group, queries_per_block;
};

template <int D>
constexpr size_t prefill_smem() {
    return (size_t)(3 * kRows * (D + 4) + kRows * kKeys) * sizeof(float);
}

// Grid: (query blocks, kv_heads, batch); 256 threads as 16 × 16 (tx, ty). Thread (tx, ty) owns
// rows ty + 16 i (i < 4), score columns tx + 16 j (j < 4) and output dims per its tx.
template <int D>
__global__ void __launch_bounds__(kPrefillThreads) prefill_kernel(float* out, const float* q, const float* k,
                                                                  const float* v, Rules rules, PrefillShape s,
                                                                  float scale, bool vec) {
    constexpr int kStride = D + 4;              // shared row stride: float4 aligned, rows on distinct banks
    constexpr int kChunks = D >= 64 ? D / 64 : 1;  // output dims per thread: kChunks × kWidth
    constexpr int kWidth = D >= 64 ? 4 : 2;
    extern __shared__ __align__(16) float smem[];
    float* qs = smem;                        // [kRows][kStride], scaled
    float* ks = qs + kRows * kStride;        // [kKeys][kStride]
    float* vs = ks + kKeys * kStride;        // [kKeys][kStride]
    float* ps = vs + kKeys * kStride;        // [kRows][kKeys]

    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int64_t kh = blockIdx.y, b = blockIdx.z;
    const int64_t q0 = (int64_t)blockIdx.x * s.queries_per_block;
    const int64_t q1 = q0 + s.queries_per_block < s.nq ? q0 + s.queries_per_block : s.nq;
    const int rows = (int)((q1 - q0) * s.group);

    // row r is query q0 + r / group, head kh * group + r % group
    auto q_row = [&](int r) { return q + ((b * s.nq + q0 + r / s.group) * s.heads + kh * s.group + r % s.group) * s.hd; };
    for (int e = tid; e < kRows * (D / 4); e += kPrefillThreads) {
        const int r = e / (D / 4), d = (e % (D / 4)) * 4;
        const float4 f = r < rows ? load4(q_row(r), d, s.hd, vec) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        *reinterpret_cast<float4*>(qs + r * kStride + d) =
            make_float4(f.x * scale, f.y * scale, f.z * scale, f.w * scale);
    }

    // keys any row of this block may see
    int64_t lo_first, hi_first, lo_last, hi_last;
    key_range(rules, rules.q_pos + q0, lo_first, hi_first);
    key_range(rules, rules.q_pos + q1 - 1, lo_last, hi_last);
    const int64_t key_lo = lo_first, key_hi = hi_last > hi_first ? hi_last : hi_first;

    float m[4], l[4], o[4][kChunks][kWidth];
    int64_t pos[4];
    bool row_ok[4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int r = ty + 16 * i;
        row_ok[i] = r < rows;
        pos[i] = rules.q_pos + q0 + (row_ok[i] ? r / s.group : 0);
        m[i] = -INFINITY;
        l[i] = 0.0f;
#pragma unroll
        for (int c = 0; c < kChunks; c++)
#pragma unroll
            for (int w = 0; w < kWidth; w++) o[i][c][w] = 0.0f;
    }
    const int64_t kv_stride = s.kv_heads * s.hd;
    const float* kbase = k + (b * s.capacity * s.kv_heads + kh) * s.hd;
    const float* vbase = v + (b * s.capacity * s.kv_heads + kh) * s.hd;

    for (int64_t j0 = key_lo / kKeys * kKeys; j0 < key_hi; j0 += kKeys) {
        __syncthreads();  // the previous tile's ks, vs and ps are no longer read
        for (int e = tid; e < kKeys * (D / 4); e += kPrefillThreads) {
            const int c = e / (D / 4), d = (e % (D / 4)) * 4;
            float4 fk = make_float4(0.0f, 0.0f, 0.0f, 0.0f), fv = fk;
            const int64_t j = j0 + c;
            if (j < rules.kv_len) {
                fk = load4(kbase + j * kv_stride, d, s.hd, vec);
                fv = load4(vbase + j * kv_stride, d, s.hd, vec);
            }
            *reinterpret_cast<float4*>(ks + c * kStride + d) = fk;
            *reinterpret_cast<float4*>(vs + c * kStride + d) = fv;
        }
        __syncthreads();

        // scores of rows ty + 16 i against keys tx + 16 j
        float sc[4][4] = {};
        for (int d = 0; d < D; d += 4) {
            float4 qa[4], ka[4];
#pragma unroll
            for (int i = 0; i < 4; i++) qa[i] = *reinterpret_cast<const float4*>(qs + (ty + 16 * i) * kStride + d);
#pragma unroll
            for (int j = 0; j < 4; j++) ka[j] = *reinterpret_cast<const float4*>(ks + (tx + 16 * j) * kStride + d);
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++)
                    sc[i][j] += qa[i].x * ka[j].x + qa[i].y * ka[j].y + qa[i].z * ka[j].z + qa[i].w * ka[j].w;
        }

        // online softmax per row; the 16 threads of a row are lanes tx = 0..15 of one half-warp
#pragma unroll
        for (int i = 0; i < 4; i++) {
            float tile_max = -INFINITY;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const bool ok = row_ok[i] && visible(rules, b, pos[i], j0 + tx + 16 * j);
                sc[i][j] = ok ? sc[i][j] : -INFINITY;
                tile_max = fmaxf(tile_max, sc[i][j]);
            }
#pragma unroll
            for (int off = 8; off > 0; off >>= 1) tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, off));
            const float m_new = fmaxf(m[i], tile_max);
            const float correction = m[i] == -INFINITY ? 0.0f : expf(m[i] - m_new);
            float tile_sum = 0.0f;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const float p = sc[i][j] == -INFINITY ? 0.0f : expf(sc[i][j] - m_new);
                ps[(ty + 16 * i) * kKeys + tx + 16 * j] = p;
                tile_sum += p;
            }
#pragma unroll
            for (int off = 8; off > 0; off >>= 1) tile_sum += __shfl_xor_sync(0xffffffffu, tile_sum, off);
            l[i] = l[i] * correction + tile_sum;
            m[i] = m_new;
#pragma unroll
            for (int c = 0; c < kChunks; c++)
#pragma unroll
                for (int w = 0; w < kWidth; w++) o[i][c][w] *= correction;
        }
        __syncthreads();

        // o += p · v
        for (int c = 0; c < kKeys; c++) {
            float p[4];
#pragma unroll
            for (int i = 0; i < 4; i++) p[i] = ps[(ty + 16 * i) * kKeys + c];
#pragma unroll
            for (int ch = 0; ch < kChunks; ch++) {
                const float* vr = vs + c * kStride + (D >= 64 ? tx * 4 + 64 * ch : tx * 2);
                float vv[kWidth];
#pragma unroll
                for (int w = 0; w < kWidth; w++) vv[w] = vr[w];
#pragma unroll
                for (int i = 0; i < 4; i++)
#pragma unroll
                    for (int w = 0; w < kWidth; w++) o[i][ch][w] += p[i] * vv[w];
            }
        }
    }

#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int r = ty + 16 * i;
        if (!row_ok[i]) continue;
        const float inv = l[i] > 0.0f ? 1.0f / l[i] : 0.0f;
        float* dst = out + ((b * s.nq + q0 + r / s.group) * s.heads + kh * s.group + r % s.group) * s.hd;
#pragma unroll
        for (int ch = 0; ch < kChunks; ch++) {
#pragma unroll
            for (int w = 0; w < kWidth; w++) {
                const int d = (D >= 64 ? tx * 4 + 64 * ch : tx * 2) + w;
                if (d < s.hd) dst[d] = o[i][ch][w] * inv;
            }
        }
    }
}

template <int D>
int launch_prefill(llm_cuda_context* ctx, float* out, const float* q, const float* k, const float* v, const Rules& rules,
                   const PrefillShape& s, int64_t batch, float scale, bool vec) {
    constexpr size_t smem = prefill_smem<D>();
    LLM_CUDA_TRY(cudaFuncSetAttribute(prefill_kernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    const dim3 grid((unsigned)((s.nq + s.queries_per_block - 1) / s.queries_per_block), (unsigned)s.kv_heads,
                    (unsigned)batch);
    prefill_kernel<D><<<grid, kPrefillThreads, smem, ctx->stream>>>(out, q, k, v, rules, s, scale, vec);
    return llm_cuda::launch_status();
}

// ---- prefill on tensor cores (BF16 precision, opt-in) ----------------------------------------------
//
// q (times scale), k and v are first rounded to BF16 into scratch (k and v only for the kv_len rows
// in use). A block of 8 warps takes 128 rows (16 per warp: queries × the heads of one group), keeps
// its q fragments in registers and streams 64-key tiles of k and v through double-buffered shared
// memory with cp.async. Scores, softmax statistics and the output stay F32 in registers; the
// probabilities are rounded to BF16 for the p·v product, as FlashAttention-2 does.

constexpr int kTcWarps = 8;
constexpr int kTcRows = 16 * kTcWarps;
constexpr int kTcKeys = 64;

template <int D>
constexpr size_t tc_smem() {
    return (size_t)2 * 2 * kTcKeys * (D + 8) * sizeof(uint16_t);
}

// dst (batch, rows, width) BF16 = src (batch, src_rows, width) F32 rows [0, rows) of each batch, times factor.
__global__ void round_rows_kernel(uint16_t* dst, const float* src, int64_t batch, int64_t rows, int64_t src_rows,
                                  int64_t width, float factor) {
    const int64_t total = batch * rows * width;
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total; e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t c = e % width, r = (e / width) % rows, b = e / (width * rows);
        const __nv_bfloat16 h = __float2bfloat16_rn(src[(b * src_rows + r) * width + c] * factor);
        dst[e] = *reinterpret_cast<const uint16_t*>(&h);
    }
}

// Grid: (query blocks, kv_heads, batch); 256 threads. q: (batch, nq, heads, D) BF16, scaled;
// k, v: (batch, kv_len, kv_heads, D) BF16; out: (batch, nq, heads, D) F32.
template <int D>
__global__ void __launch_bounds__(kTcWarps * 32) prefill_tc_kernel(float* out, const uint16_t* q, const uint16_t* k,
                                                                   const uint16_t* v, Rules rules, PrefillShape s) {
    constexpr int kStride = D + 8;  // 16-bit elements per shared row: 16-byte aligned, ldmatrix without conflicts
    constexpr int kSteps = D / 16;
    extern __shared__ __align__(16) uint16_t tc_tiles[];
    uint16_t* ks = tc_tiles;                       // [2][kTcKeys][kStride]
    uint16_t* vs = ks + 2 * kTcKeys * kStride;     // [2][kTcKeys][kStride]
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, t = lane % 4;
    const int64_t kh = blockIdx.y, b = blockIdx.z;
    const int64_t q0 = (int64_t)blockIdx.x * s.queries_per_block;
    const int64_t q1 = q0 + s.queries_per_block < s.nq ? q0 + s.queries_per_block : s.nq;
    const int rows = (int)((q1 - q0) * s.group);

    // this thread's rows: warp * 16 + g and + 8 (g = lane / 4)
    bool ok[2];
    int64_t pos[2];
    const uint16_t* qrow[2];
    float* orow[2];
#pragma unroll
    for (int i = 0; i < 2; i++) {
        const int r = warp * 16 + lane / 4 + 8 * i;
        ok[i] = r < rows;
        const int64_t qi = q0 + (ok[i] ? r / s.group : 0), h = kh * s.group + (ok[i] ? r % s.group : 0);
        pos[i] = rules.q_pos + qi;
        qrow[i] = q + ((b * s.nq + qi) * s.heads + h) * D;
        orow[i] = out + ((b * s.nq + qi) * s.heads + h) * D;
    }
    uint32_t qa[kSteps][4];
#pragma unroll
    for (int st = 0; st < kSteps; st++) {
        const int d = st * 16 + 2 * t;
        qa[st][0] = ok[0] ? *reinterpret_cast<const uint32_t*>(qrow[0] + d) : 0u;
        qa[st][1] = ok[1] ? *reinterpret_cast<const uint32_t*>(qrow[1] + d) : 0u;
        qa[st][2] = ok[0] ? *reinterpret_cast<const uint32_t*>(qrow[0] + d + 8) : 0u;
        qa[st][3] = ok[1] ? *reinterpret_cast<const uint32_t*>(qrow[1] + d + 8) : 0u;
    }
    float o[D / 8][4];
#pragma unroll
    for (int dt = 0; dt < D / 8; dt++)
#pragma unroll
        for (int c = 0; c < 4; c++) o[dt][c] = 0.0f;
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};

    int64_t lo_first, hi_first, lo_last, hi_last;
    key_range(rules, rules.q_pos + q0, lo_first, hi_first);
    key_range(rules, rules.q_pos + q1 - 1, lo_last, hi_last);
    const int64_t first = lo_first / kTcKeys * kTcKeys;
    const int64_t key_hi = hi_last > hi_first ? hi_last : hi_first;
    const int64_t tiles = key_hi > first ? (key_hi - first + kTcKeys - 1) / kTcKeys : 0;
    const int64_t kv_stride = s.kv_heads * D;
    const uint16_t* kbase = k + (b * rules.kv_len * s.kv_heads + kh) * D;
    const uint16_t* vbase = v + (b * rules.kv_len * s.kv_heads + kh) * D;

    auto load = [&](int64_t j0, int buf) {
        for (int e = tid; e < kTcKeys * (D / 8); e += kTcWarps * 32) {
            const int c = e / (D / 8), p = (e % (D / 8)) * 8;
            const bool valid = j0 + c < rules.kv_len;  // keys past the end become zeros (and are masked)
            const int64_t j = valid ? j0 + c : 0;
            llm_cuda::cp_async16(ks + (buf * kTcKeys + c) * kStride + p, kbase + j * kv_stride + p, valid);
            llm_cuda::cp_async16(vs + (buf * kTcKeys + c) * kStride + p, vbase + j * kv_stride + p, valid);
        }
        llm_cuda::cp_async_commit();
    };
    if (tiles > 0) load(first, 0);
    for (int64_t it = 0; it < tiles; it++) {
        const int buf = (int)(it & 1);
        const int64_t j0 = first + it * kTcKeys;
        llm_cuda::cp_async_wait_all();
        __syncthreads();  // tile it is in; every warp is done with tile it - 1, whose buffer is refilled next
        if (it + 1 < tiles) load(j0 + kTcKeys, buf ^ 1);
        const uint16_t* kt = ks + buf * kTcKeys * kStride;
        const uint16_t* vt = vs + buf * kTcKeys * kStride;

        // scores of the warp's 16 rows against 64 keys: 8 tiles of 8 keys
        float sc[8][4];
#pragma unroll
        for (int nt = 0; nt < 8; nt++)
#pragma unroll
            for (int c = 0; c < 4; c++) sc[nt][c] = 0.0f;
#pragma unroll
        for (int st = 0; st < kSteps; st++) {
#pragma unroll
            for (int np = 0; np < 4; np++) {
                uint32_t f[4];
                llm_cuda::ldmatrix_x4(f, kt + (np * 16 + (lane & 7) + ((lane >> 4) << 3)) * kStride + st * 16 +
                                             ((lane >> 3) & 1) * 8);
                const uint32_t b0[2] = {f[0], f[1]}, b1[2] = {f[2], f[3]};
                llm_cuda::mma16816<false>(sc[2 * np], qa[st], b0);
                llm_cuda::mma16816<false>(sc[2 * np + 1], qa[st], b1);
            }
        }

        // masks and the online softmax; a row's 64 scores sit in the 4 lanes of a quad
#pragma unroll
        for (int i = 0; i < 2; i++) {
            float mx = -INFINITY;
#pragma unroll
            for (int nt = 0; nt < 8; nt++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    const int64_t j = j0 + nt * 8 + 2 * t + e;
                    float& x = sc[nt][2 * i + e];
                    x = ok[i] && visible(rules, b, pos[i], j) ? x : -INFINITY;
                    mx = fmaxf(mx, x);
                }
            }
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
            const float m_new = fmaxf(m[i], mx);
            const float correction = m[i] == -INFINITY ? 0.0f : expf(m[i] - m_new);
            float sum = 0.0f;
#pragma unroll
            for (int nt = 0; nt < 8; nt++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    float& x = sc[nt][2 * i + e];
                    x = x == -INFINITY ? 0.0f : expf(x - m_new);
                    sum += x;
                }
            }
            sum += __shfl_xor_sync(0xffffffffu, sum, 1);
            sum += __shfl_xor_sync(0xffffffffu, sum, 2);
            l[i] = l[i] * correction + sum;
            m[i] = m_new;
#pragma unroll
            for (int dt = 0; dt < D / 8; dt++) {
                o[dt][2 * i] *= correction;
                o[dt][2 * i + 1] *= correction;
            }
        }

        // o += p · v: the score accumulators of two key tiles are the A fragment of 16 keys
#pragma unroll
        for (int kk = 0; kk < 4; kk++) {
            const uint32_t pa[4] = {llm_cuda::pack2<false>(sc[2 * kk][0], sc[2 * kk][1]),
                                    llm_cuda::pack2<false>(sc[2 * kk][2], sc[2 * kk][3]),
                                    llm_cuda::pack2<false>(sc[2 * kk + 1][0], sc[2 * kk + 1][1]),
                                    llm_cuda::pack2<false>(sc[2 * kk + 1][2], sc[2 * kk + 1][3])};
#pragma unroll
            for (int nd = 0; nd < D / 16; nd++) {
                // matrices (keys 0-7, dims 0-7), (keys 8-15, dims 0-7), (keys 0-7, dims 8-15), (keys 8-15, dims 8-15)
                uint32_t f[4];
                llm_cuda::ldmatrix_x4_trans(f, vt + (kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * kStride + nd * 16 +
                                                   (lane >> 4) * 8);
                const uint32_t b0[2] = {f[0], f[1]}, b1[2] = {f[2], f[3]};
                llm_cuda::mma16816<false>(o[2 * nd], pa, b0);
                llm_cuda::mma16816<false>(o[2 * nd + 1], pa, b1);
            }
        }
    }

#pragma unroll
    for (int i = 0; i < 2; i++) {
        if (!ok[i]) continue;
        const float inv = l[i] > 0.0f ? 1.0f / l[i] : 0.0f;
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++) {
            *reinterpret_cast<float2*>(orow[i] + dt * 8 + 2 * t) = make_float2(o[dt][2 * i] * inv, o[dt][2 * i + 1] * inv);
        }
    }
}

// BF16 copies of q, k, v in scratch (after the mask, already in the arena), then the kernel.
template <int D>
int launch_prefill_tc(llm_cuda_context* ctx, llm_cuda::Arena& arena, float* out, const float* q, const float* k,
                      const float* v, const Rules& rules, const PrefillShape& s, int64_t batch, float scale) {
    cudaStream_t stream = ctx->stream;
    const int64_t q_elems = batch * s.nq * s.heads * D, kv_elems = batch * rules.kv_len * s.kv_heads * D;
    uint16_t* qb = arena.take<uint16_t>((size_t)q_elems);
    uint16_t* kb = arena.take<uint16_t>((size_t)kv_elems);
    uint16_t* vb = arena.take<uint16_t>((size_t)kv_elems);
    round_rows_kernel<<<llm_cuda::stride_grid(q_elems, 256), 256, 0, stream>>>(qb, q, 1, batch * s.nq,
                                                                                batch * s.nq, s.heads * D, scale);
    if (kv_elems > 0) {
        round_rows_kernel<<<llm_cuda::stride_grid(kv_elems, 256), 256, 0, stream>>>(kb, k, batch, rules.kv_len,
                                                                                     s.capacity, s.kv_heads * D, 1.0f);
        round_rows_kernel<<<llm_cuda::stride_grid(kv_elems, 256), 256, 0, stream>>>(vb, v, batch, rules.kv_len,
                                                                                     s.capacity, s.kv_heads * D, 1.0f);
    }
    constexpr size_t smem = tc_smem<D>();
    LLM_CUDA_TRY(cudaFuncSetAttribute(prefill_tc_kernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    const dim3 grid((unsigned)((s.nq + s.queries_per_block - 1) / s.queries_per_block), (unsigned)s.kv_heads,
                    (unsigned)batch);
    prefill_tc_kernel<D><<<grid, kTcWarps * 32, smem, stream>>>(out, qb, kb, vb, rules, s);
    return llm_cuda::launch_status();
}

template <int D, int GMAX>
void launch_decode(llm_cuda_context* ctx, float* part_acc, float2* part_ml, const float* q, const float* k,
                   const float* v, const Rules& rules, const DecodeShape& s, int64_t batch, float scale, bool vec) {
    const dim3 grid((unsigned)s.splits, (unsigned)(s.kv_heads * s.head_chunks), (unsigned)(batch * s.nq));
    decode_kernel<D, GMAX><<<grid, kDecodeWarps * 32, 0, ctx->stream>>>(part_acc, part_ml, q, k, v, rules, s, scale, vec);
}

template <int D>
void launch_decode_groups(llm_cuda_context* ctx, float* part_acc, float2* part_ml, const float* q, const float* k,
                          const float* v, const Rules& rules, const DecodeShape& s, int64_t batch, float scale,
                          bool vec) {
    if (s.group == 1) {
        launch_decode<D, 1>(ctx, part_acc, part_ml, q, k, v, rules, s, batch, scale, vec);
    } else if (s.group == 2) {
        launch_decode<D, 2>(ctx, part_acc, part_ml, q, k, v, rules, s, batch, scale, vec);
    } else {
        launch_decode<D, 4>(ctx, part_acc, part_ml, q, k, v, rules, s, batch, scale, vec);
    }
}

}  // namespace

extern "C" int llm_cuda_attention(llm_cuda_context* ctx, float* out, const float* q, const float* k, const float* v,
                                  const int32_t* mask, int64_t batch, int64_t nq, int64_t heads, int64_t kv_heads,
                                  int64_t head_dim, int64_t capacity, int64_t kv_len, int64_t q_pos, float scale,
                                  int causal, int64_t window) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        const int D = padded_head_dim(head_dim);
        const int64_t group = heads / kv_heads;
        if (D == 0 || group > kRows) return LLM_CUDA_ERR_UNSUPPORTED;
        if (batch * nq * heads * head_dim == 0) return 0;
        // Row starts are 16-byte aligned when every pointer is and head_dim and kv_heads · head_dim
        // are multiples of 4; the float4 paths also need head_dim to fill its padded size.
        const bool vec = head_dim == D && head_dim % 4 == 0 && aligned16(q) && aligned16(k) && aligned16(v);

        const bool decode = nq <= 4;
        const bool tensor_cores = !decode && ctx->precision == LLM_CUDA_PRECISION_BF16 &&
                                  (head_dim == 64 || head_dim == 128) && group <= kTcRows;
        const int64_t head_chunks = (group + 3) / 4;
        int64_t splits = 1, chunk = kChunk;
        size_t bytes = 0;
        if (mask && kv_len > 0) bytes += llm_cuda::align_up((size_t)(batch * kv_len) * sizeof(int32_t));
        if (decode) {
            llm_cuda::plan_splits(splits, chunk, kv_len, batch * nq * kv_heads * head_chunks, ctx->sm_count);
            const int64_t parts = batch * nq * heads * splits;
            bytes += llm_cuda::align_up((size_t)(parts * head_dim) * sizeof(float));
            bytes += llm_cuda::align_up((size_t)parts * sizeof(float2));
        }
        if (tensor_cores) {
            bytes += llm_cuda::align_up((size_t)(batch * nq * heads * head_dim) * 2);
            bytes += 2 * llm_cuda::align_up((size_t)(batch * kv_len * kv_heads * head_dim) * 2);
        }
        void* base = nullptr;
        int err = bytes ? llm_cuda::scratch(&base, ctx, bytes) : 0;
        if (err) return err;
        llm_cuda::Arena arena{(char*)base};
        Rules rules{kv_len, q_pos, window, causal, nullptr};
        if (mask && kv_len > 0) {
            int32_t* dev_mask = arena.take<int32_t>((size_t)(batch * kv_len));
            err = llm_cuda::upload(dev_mask, mask, (size_t)(batch * kv_len) * sizeof(int32_t), ctx->stream);
            if (err) return err;
            rules.mask = dev_mask;
        }

        if (decode) {
            const int64_t parts = batch * nq * heads * splits;
            float* part_acc = arena.take<float>((size_t)(parts * head_dim));
            float2* part_ml = arena.take<float2>((size_t)parts);
            const DecodeShape s{nq, heads, kv_heads, head_dim, capacity, group, head_chunks, splits, chunk};
            switch (D) {
                case 32: launch_decode_groups<32>(ctx, part_acc, part_ml, q, k, v, rules, s, batch, scale, vec); break;
                case 64: launch_decode_groups<64>(ctx, part_acc, part_ml, q, k, v, rules, s, batch, scale, vec); break;
                case 128: launch_decode_groups<128>(ctx, part_acc, part_ml, q, k, v, rules, s, batch, scale, vec); break;
                default: launch_decode_groups<256>(ctx, part_acc, part_ml, q, k, v, rules, s, batch, scale, vec); break;
            }
            err = llm_cuda::launch_status();
            if (err) return err;
            merge_kernel<<<(unsigned)(batch * nq * heads), 128, 0, ctx->stream>>>(out, part_acc, part_ml, splits,
                                                                                  head_dim);
            return llm_cuda::launch_status();
        }
        if (tensor_cores) {
            const PrefillShape s{nq, heads, kv_heads, head_dim, capacity, group, kTcRows / group};
            return head_dim == 64 ? launch_prefill_tc<64>(ctx, arena, out, q, k, v, rules, s, batch, scale)
                                  : launch_prefill_tc<128>(ctx, arena, out, q, k, v, rules, s, batch, scale);
        }
        const PrefillShape s{nq, heads, kv_heads, head_dim, capacity, group, kRows / group};
        switch (D) {
            case 32: return launch_prefill<32>(ctx, out, q, k, v, rules, s, batch, scale, vec);
            case 64: return launch_prefill<64>(ctx, out, q, k, v, rules, s, batch, scale, vec);
            case 128: return launch_prefill<128>(ctx, out, q, k, v, rules, s, batch, scale, vec);
            default: return launch_prefill<256>(ctx, out, q, k, v, rules, s, batch, scale, vec);
        }
    });
}

