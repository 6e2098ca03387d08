// The CUDA kernels' index arithmetic, checked on the CPU (these hosts have no GPU): the functions
// below are the very ones the kernels call (__host__ __device__), run here against plain
// definitions. Built and run with the CUDA library (native/CMakeLists.txt); any failure stops the
// build. What needs a GPU (the kernels themselves) is tested by the Java suites on GPU hosts.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "attention.cuh"
#include "quant.cuh"
#include "sampling.cuh"

namespace {

int failures = 0;

void expect(bool ok, const char* what, long long a = 0, long long b = 0) {
    if (!ok) {
        if (failures < 20) std::printf("FAIL %s (%lld, %lld)\n", what, a, b);
        failures++;
    }
}

// Random bytes in a block type's layout, every scale a finite f16 (random bits could be inf/NaN).
std::vector<uint8_t> random_blocks(int type, int values, std::mt19937& rng) {
    const int block_bytes = type == LLM_TYPE_Q8_0 ? llm_cuda::kQ8Bytes : llm_cuda::kQ4Bytes;
    std::vector<uint8_t> b((size_t)values / 32 * block_bytes + 16);  // + slack for the word reads
    for (auto& x : b) x = (uint8_t)rng();
    std::uniform_real_distribution<float> scale(-0.5f, 0.5f);
    for (int i = 0; i < values / 32; i++) {
        const __half h = __float2half(scale(rng));
        std::memcpy(&b[(size_t)i * block_bytes], &h, 2);
    }
    return b;
}

template <int TYPE>
void block_decoding() {
    std::mt19937 rng(TYPE);
    const int values = 4096;
    std::vector<uint8_t> bytes = random_blocks(TYPE, values, rng);
    // GEMV: a staged tile (4-byte aligned start) decoded eight values at a time
    alignas(16) static uint8_t stage[4096 / 32 * llm_cuda::kQ8Bytes + 16];
    std::memcpy(stage, bytes.data(), bytes.size() < sizeof stage ? bytes.size() : sizeof stage);
    for (int e = 0; e < values; e += 8) {
        float v[8];
        const float d = llm_cuda::block_ints8<TYPE>(stage, e, v);
        for (int i = 0; i < 8; i++) {
            expect(v[i] * d == llm_cuda::load_one<TYPE>(stage, e + i), "block_ints8 matches load_one", e, i);
        }
    }
    // GEMM: a row at an address that is only 2-byte aligned, dequantised to BF16 pairs
    std::vector<uint8_t> shifted(bytes.size() + 2);
    std::memcpy(shifted.data() + 2, bytes.data(), bytes.size());
    const uint8_t* row = shifted.data() + 2;
    for (int kk = 0; kk < values; kk += 8) {
        const uint4 got = llm_cuda::block_bf16x8<TYPE>(row, kk);
        const uint32_t words[4] = {got.x, got.y, got.z, got.w};
        for (int i = 0; i < 4; i++) {
            const uint32_t want = llm_cuda::pack2<false>(llm_cuda::load_one<TYPE>(row, kk + 2 * i),
                                                          llm_cuda::load_one<TYPE>(row, kk + 2 * i + 1));
            expect(words[i] == want, "block_bf16x8 matches load_one rounded to BF16", kk, i);
        }
    }
}

void word_reads() {
    alignas(16) uint8_t buffer[64];
    for (int i = 0; i < 64; i++) buffer[i] = (uint8_t)(i * 37 + 11);
    for (int offset = 0; offset + 12 <= 64; offset += 2) {
        uint32_t lo, hi, lo2, hi2, want_lo, want_hi;
        llm_cuda::bytes8_words(buffer, offset, lo, hi);
        llm_cuda::bytes8_halves(buffer + offset, lo2, hi2);
        std::memcpy(&want_lo, buffer + offset, 4);
        std::memcpy(&want_hi, buffer + offset + 4, 4);
        expect(lo == want_lo && hi == want_hi, "bytes8_words", offset);
        expect(lo2 == want_lo && hi2 == want_hi, "bytes8_halves", offset);
    }
}

// The sampling definition of SamplingParams, step by step, from temperature-scaled logits.
int32_t sample_by_definition(const std::vector<double>& x, int64_t top_k, double top_p, double min_p, double u) {
    const int64_t vocab = (int64_t)x.size();
    std::vector<int32_t> order((size_t)vocab);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return x[a] > x[b]; });
    int64_t keep = top_k > 0 && top_k < vocab ? top_k : vocab;
    const double max = x[order[0]];
    if (max == -INFINITY) return order[0];
    std::vector<double> p((size_t)keep);
    double total = 0;
    for (int64_t i = 0; i < keep; i++) {
        p[i] = x[order[i]] == max ? 1.0 : std::exp(x[order[i]] - max);
        total += p[i];
    }
    if (top_p < 1.0) {
        double cumulative = 0;
        for (int64_t i = 0; i < keep; i++) {
            cumulative += p[i];
            if (cumulative >= top_p * total) {
                keep = i + 1;
                break;
            }
        }
    }
    if (min_p > 0.0) {
        int64_t kept = 1;
        while (kept < keep && p[kept] >= min_p * p[0]) kept++;
        keep = kept;
    }
    double kept_total = 0;
    for (int64_t i = 0; i < keep; i++) kept_total += p[i];
    double cumulative = 0;
    for (int64_t i = 0; i < keep; i++) {
        cumulative += p[i];
        if (cumulative > u * kept_total) return order[i];
    }
    return order[keep - 1];
}

// What the device does before choose_token: a stable descending sort, exponentials, prefix sums.
int32_t sample_like_the_device(const std::vector<double>& x, int64_t top_k, double top_p, double min_p, double u) {
    const int64_t vocab = (int64_t)x.size();
    std::vector<int32_t> ids((size_t)vocab);
    std::iota(ids.begin(), ids.end(), 0);
    std::stable_sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) { return x[a] > x[b]; });
    std::vector<double> sorted((size_t)vocab);
    for (int64_t i = 0; i < vocab; i++) sorted[i] = x[ids[i]];
    const int64_t keep = top_k > 0 && top_k < vocab ? top_k : vocab;
    std::vector<double> p((size_t)keep), prefix((size_t)keep);
    for (int64_t i = 0; i < keep; i++) {
        p[i] = sorted[i] == sorted[0] ? 1.0 : std::exp(sorted[i] - sorted[0]);
        prefix[i] = (i ? prefix[i - 1] : 0.0) + p[i];
    }
    return llm_cuda::choose_token(sorted.data(), ids.data(), p.data(), prefix.data(), keep, top_p, min_p, u);
}

void sampling() {
    std::mt19937 rng(7);
    std::normal_distribution<double> normal(0.0, 3.0);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const double top_ps[] = {1.0, 0.9, 0.5, 0.05};
    const double min_ps[] = {0.0, 0.05, 0.3};
    const int64_t top_ks[] = {0, 1, 5, 40};
    for (int trial = 0; trial < 400; trial++) {
        const int vocab = trial % 4 == 0 ? 7 : 1000;
        std::vector<double> x((size_t)vocab);
        for (auto& v : x) v = trial % 3 == 0 ? std::round(normal(rng)) : normal(rng);  // rounded: many ties
        if (trial % 5 == 0) x[(size_t)(trial % vocab)] = -INFINITY;
        if (trial == 1) std::fill(x.begin(), x.end(), -INFINITY);
        for (int64_t k : top_ks) {
            for (double tp : top_ps) {
                for (double mp : min_ps) {
                    const double u = unit(rng);
                    const int32_t want = sample_by_definition(x, k, tp, mp, u);
                    const int32_t got = sample_like_the_device(x, k, tp, mp, u);
                    expect(want == got, "choose_token follows the sampling definition", want, got);
                }
            }
        }
    }
}

void attention_plan() {
    std::mt19937 rng(11);
    for (int trial = 0; trial < 3000; trial++) {
        const int64_t kv_len = trial < 100 ? trial : (int64_t)(rng() % 200000);
        const int64_t pairs = 1 + rng() % 600;
        int64_t splits, chunk;
        llm_cuda::plan_splits(splits, chunk, kv_len, pairs, 132);
        expect(chunk >= 16 && chunk <= llm_cuda::kChunk && chunk % 16 == 0, "chunk size", chunk);
        expect(splits >= 1 && splits * chunk >= kv_len, "chunks cover the keys", splits, chunk);
        expect(kv_len == 0 || (splits - 1) * chunk < kv_len, "no chunk past the keys", splits, chunk);
        // every visible key falls in exactly one chunk of the query's range; nothing else does
        llm_cuda::Rules r{kv_len, 0, (int64_t)(trial % 3 == 0 ? rng() % 50 : 0), (int)(trial % 2), nullptr};
        const int64_t pos = kv_len > 0 ? (int64_t)(rng() % kv_len) : 0;
        int64_t lo, hi;
        llm_cuda::key_range(r, pos, lo, hi);
        int64_t covered = 0;
        for (int64_t s = 0; s < splits; s++) {
            const int64_t start = lo + s * chunk, end = std::min(start + chunk, hi);
            if (end > start) covered += end - start;
        }
        expect(covered == std::max<int64_t>(hi - lo, 0), "split ranges cover [lo, hi) once", covered, hi - lo);
        if (kv_len <= 2000) {
            for (int64_t j = 0; j < kv_len; j++) {
                expect(llm_cuda::visible(r, 0, pos, j) == (j >= lo && j < hi), "key_range agrees with visible", pos, j);
            }
        }
    }
}

}  // namespace

int main() {
    word_reads();
    block_decoding<LLM_TYPE_Q8_0>();
    block_decoding<LLM_TYPE_Q4_0>();
    sampling();
    attention_plan();
    if (failures) {
        std::printf("llmaccel CUDA host test: %d failures\n", failures);
        return 1;
    }
    std::printf("llmaccel CUDA host test: passed\n");
    return 0;
}
