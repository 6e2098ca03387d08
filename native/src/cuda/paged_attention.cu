// Attention over a paged key/value cache, and the write of new keys and values into it
// (llmaccel/cuda_paged_attention.h).
//
// The cache's layout is llmaccel/paged_attention.h's: per block and KV head, keys transposed
// (head_dim, block_size) and values as rows (block_size, head_dim).
//
// One thread block per (row, query head), kWarps warps: warp w takes the row's key positions
// w, w + kWarps, ...; per key the warp's lanes split the head's dimensions (D / 32 each), reduce
// the dot product with shuffles and update the warp's online softmax (maximum m, sum l, weighted
// values acc). The warps' states are merged in warp order. Nothing depends on the other rows of
// the batch, so a sequence gets the same result in any batch.
#include "context.cuh"

namespace {

constexpr int kWarps = 4;
constexpr int kMaxHeadDim = 256;

__global__ void kv_write_kernel(float* k_pool, float* v_pool, const float* k, const float* v, const int32_t* slots,
                                int64_t n, int64_t kv_heads, int64_t head_dim, int64_t block_size) {
    const int64_t row = kv_heads * head_dim, head_floats = head_dim * block_size;
    for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
        const int64_t block = slots[i] / block_size, offset = slots[i] % block_size;
        for (int64_t e = threadIdx.x; e < row; e += blockDim.x) {
            const int64_t h = e / head_dim, c = e % head_dim;
            const int64_t base = (block * kv_heads + h) * head_floats;
            k_pool[base + c * block_size + offset] = k[i * row + e];
            v_pool[base + offset * head_dim + c] = v[i * row + e];
        }
    }
}

struct PagedShape {
    int64_t heads, kv_heads, head_dim, block_size, max_blocks;
    float scale;
};

// D: head_dim rounded up to a multiple of 32 (each lane holds D / 32 of a head's values).
template <int D>
__global__ void paged_attention_kernel(float* out, const float* q, const float* k_pool, const float* v_pool,
                                       const int32_t* tables, const int32_t* row_seq, const int32_t* row_pos,
                                       PagedShape s) {
    constexpr int E = D / 32;
    __shared__ float warp_m[kWarps], warp_l[kWarps];
    __shared__ float warp_acc[kWarps][D];
    const int64_t row = blockIdx.y, h = blockIdx.x;
    const int64_t kh = h / (s.heads / s.kv_heads);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int64_t hd = s.head_dim, head_floats = hd * s.block_size;
    const float* qr = q + (row * s.heads + h) * hd;
    float qv[E], acc[E];
#pragma unroll
    for (int e = 0; e < E; e++) {
        const int64_t c = lane + 32 * e;
        qv[e] = c < hd ? qr[c] * s.scale : 0.0f;
        acc[e] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    const int32_t* table = tables + (int64_t)row_seq[row] * s.max_blocks;
    const int64_t keys = (int64_t)row_pos[row] + 1;
    for (int64_t p = warp; p < keys; p += kWarps) {
        const int64_t block = table[p / s.block_size], offset = p % s.block_size;
        const float* kt = k_pool + (block * s.kv_heads + kh) * head_floats + offset;  // column of (hd, block_size)
        const float* vr = v_pool + (block * s.kv_heads + kh) * head_floats + offset * hd;
        float dot = 0.0f;
#pragma unroll
        for (int e = 0; e < E; e++) {
            const int64_t c = lane + 32 * e;
            if (c < hd) dot += qv[e] * kt[c * s.block_size];
        }
        dot = llm_cuda::warp_reduce(dot, llm_cuda::Sum());
        const float m_new = fmaxf(m, dot);
        const float correction = expf(m - m_new);  // 0 while m is -inf
        const float w = expf(dot - m_new);
        l = l * correction + w;
#pragma unroll
        for (int e = 0; e < E; e++) {
            const int64_t c = lane + 32 * e;
            acc[e] = acc[e] * correction + (c < hd ? w * vr[c] : 0.0f);
        }
        m = m_new;
    }
    if (lane == 0) {
        warp_m[warp] = m;
        warp_l[warp] = l;
    }
#pragma unroll
    for (int e = 0; e < E; e++) warp_acc[warp][lane + 32 * e] = acc[e];
    __syncthreads();
    if (warp != 0) return;
    float max = -INFINITY;
    for (int w = 0; w < kWarps; w++) max = fmaxf(max, warp_m[w]);
    float total = 0.0f;
    for (int w = 0; w < kWarps; w++) total += warp_m[w] == -INFINITY ? 0.0f : expf(warp_m[w] - max) * warp_l[w];
    float* y = out + (row * s.heads + h) * hd;
#pragma unroll
    for (int e = 0; e < E; e++) {
        const int64_t c = lane + 32 * e;
        if (c >= hd) continue;
        float sum = 0.0f;
        for (int w = 0; w < kWarps; w++) {
            if (warp_m[w] != -INFINITY) sum += expf(warp_m[w] - max) * warp_acc[w][c];
        }
        y[c] = sum / total;
    }
}

template <int D>
void launch(llm_cuda_context* ctx, float* out, const float* q, const float* k_pool, const float* v_pool,
            const int32_t* tables, const int32_t* row_seq, const int32_t* row_pos, int64_t n, const PagedShape& s) {
    const dim3 grid((unsigned)s.heads, (unsigned)n);
    paged_attention_kernel<D><<<grid, kWarps * 32, 0, ctx->stream>>>(out, q, k_pool, v_pool, tables, row_seq, row_pos, s);
}

}  // namespace

extern "C" int llm_cuda_paged_kv_write(llm_cuda_context* ctx, float* k_pool, float* v_pool, const float* k,
                                       const float* v, const int32_t* slots, int64_t n, int64_t kv_heads,
                                       int64_t head_dim, int64_t block_size) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (n == 0 || kv_heads * head_dim == 0) return 0;
        void* base = nullptr;
        int err = llm_cuda::scratch(&base, ctx, llm_cuda::align_up((size_t)n * sizeof(int32_t)));
        if (err) return err;
        int32_t* dev_slots = (int32_t*)base;
        err = llm_cuda::upload(dev_slots, slots, (size_t)n * sizeof(int32_t), ctx->stream);
        if (err) return err;
        kv_write_kernel<<<llm_cuda::row_grid(n), 128, 0, ctx->stream>>>(k_pool, v_pool, k, v, dev_slots, n, kv_heads,
                                                                        head_dim, block_size);
        return llm_cuda::launch_status();
    });
}

extern "C" int llm_cuda_paged_attention(llm_cuda_context* ctx, float* out, const float* q, const float* k_pool,
                                        const float* v_pool, const int32_t* block_tables, const int32_t* row_seq,
                                        const int32_t* row_pos, int64_t sequences, int64_t n, int64_t heads,
                                        int64_t kv_heads, int64_t head_dim, int64_t block_size, int64_t max_blocks,
                                        float scale) {
    return llm_cuda::guarded([&]() -> int {
        LLM_CUDA_TRY(llm_cuda::enter(ctx));
        if (head_dim > kMaxHeadDim || n > 65535) return LLM_CUDA_ERR_UNSUPPORTED;
        if (n == 0 || heads == 0 || head_dim == 0) return 0;
        const size_t table_entries = (size_t)(sequences * max_blocks);
        const size_t bytes = llm_cuda::align_up(table_entries * sizeof(int32_t)) +
                             2 * llm_cuda::align_up((size_t)n * sizeof(int32_t));
        void* base = nullptr;
        int err = llm_cuda::scratch(&base, ctx, bytes);
        if (err) return err;
        llm_cuda::Arena arena{(char*)base};
        int32_t* tables = arena.take<int32_t>(table_entries);
        int32_t* seq = arena.take<int32_t>((size_t)n);
        int32_t* pos = arena.take<int32_t>((size_t)n);
        if ((err = llm_cuda::upload(tables, block_tables, table_entries * sizeof(int32_t), ctx->stream))) return err;
        if ((err = llm_cuda::upload(seq, row_seq, (size_t)n * sizeof(int32_t), ctx->stream))) return err;
        if ((err = llm_cuda::upload(pos, row_pos, (size_t)n * sizeof(int32_t), ctx->stream))) return err;
        const PagedShape s{heads, kv_heads, head_dim, block_size, max_blocks, scale};
        if (head_dim <= 32) {
            launch<32>(ctx, out, q, k_pool, v_pool, tables, seq, pos, n, s);
        } else if (head_dim <= 64) {
            launch<64>(ctx, out, q, k_pool, v_pool, tables, seq, pos, n, s);
        } else if (head_dim <= 128) {
            launch<128>(ctx, out, q, k_pool, v_pool, tables, seq, pos, n, s);
        } else {
            launch<256>(ctx, out, q, k_pool, v_pool, tables, seq, pos, n, s);
        }
        return llm_cuda::launch_status();
    });
}
