// Logits to the next token, step by step as the header describes. Scratch space is allocated per
// call: sampling runs once per generated token, next to a forward pass that costs far more.
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "llmaccel/sampling.h"
#include "status.h"

namespace {

int32_t sample(const float* logits, int64_t vocab, const int32_t* bias_ids, const float* bias_values, int64_t n_bias,
               const int32_t* recent, int64_t n_recent, float temperature, int32_t top_k, float top_p, float min_p,
               float repetition_penalty, float frequency_penalty, float presence_penalty, double uniform) {
    // NaN never wins and never breaks the ordering: it counts as -inf.
    std::vector<double> l((size_t)vocab);
    for (int64_t i = 0; i < vocab; i++) l[(size_t)i] = std::isnan(logits[i]) ? -INFINITY : (double)logits[i];
    for (int64_t i = 0; i < n_bias; i++) l[(size_t)bias_ids[i]] += bias_values[i];
    if (n_recent > 0) {
        std::unordered_map<int32_t, int64_t> counts;
        for (int64_t i = 0; i < n_recent; i++) counts[recent[i]]++;
        for (const auto& [t, c] : counts) {
            double& x = l[(size_t)t];
            x = x > 0 ? x / repetition_penalty : x * repetition_penalty;
            x -= (double)c * frequency_penalty + presence_penalty;
        }
    }
    if (temperature == 0.0f) {
        int64_t best = 0;
        for (int64_t i = 1; i < vocab; i++) {
            if (l[(size_t)i] > l[(size_t)best]) best = i;
        }
        return (int32_t)best;
    }
    for (double& x : l) x /= temperature;

    std::vector<int32_t> order((size_t)vocab);
    for (int64_t i = 0; i < vocab; i++) order[(size_t)i] = (int32_t)i;
    auto before = [&](int32_t a, int32_t b) {
        return l[(size_t)a] != l[(size_t)b] ? l[(size_t)a] > l[(size_t)b] : a < b;
    };
    int64_t keep = top_k > 0 ? std::min<int64_t>(top_k, vocab) : vocab;
    if (keep < vocab) {
        std::partial_sort(order.begin(), order.begin() + keep, order.end(), before);
    } else {
        std::sort(order.begin(), order.end(), before);
    }
    const double max = l[(size_t)order[0]];
    if (max == -INFINITY) return order[0];
    std::vector<double> p((size_t)keep);
    double total = 0;
    for (int64_t i = 0; i < keep; i++) {
        double x = l[(size_t)order[(size_t)i]];
        p[(size_t)i] = x == max ? 1.0 : std::exp(x - max);
        total += p[(size_t)i];
    }
    if (top_p < 1.0f) {
        double cumulative = 0;
        for (int64_t i = 0; i < keep; i++) {
            cumulative += p[(size_t)i] / total;
            if (cumulative >= top_p) {
                keep = i + 1;
                break;
            }
        }
    }
    if (min_p > 0.0f) {
        double threshold = min_p * p[0];
        int64_t kept = 1;
        while (kept < keep && p[(size_t)kept] >= threshold) kept++;
        keep = kept;
    }
    double kept_total = 0;
    for (int64_t i = 0; i < keep; i++) kept_total += p[(size_t)i];
    double target = uniform * kept_total;
    double cumulative = 0;
    for (int64_t i = 0; i < keep; i++) {
        cumulative += p[(size_t)i];
        if (cumulative > target) return order[(size_t)i];
    }
    return order[(size_t)(keep - 1)];
}

}  // namespace

extern "C" int llm_sample(int32_t* out, const float* logits, int64_t vocab, const int32_t* bias_ids,
                          const float* bias_values, int64_t n_bias, const int32_t* recent, int64_t n_recent,
                          float temperature, int32_t top_k, float top_p, float min_p, float repetition_penalty,
                          float frequency_penalty, float presence_penalty, double uniform) {
    return llm::guarded([&] {
        *out = sample(logits, vocab, bias_ids, bias_values, n_bias, recent, n_recent, temperature, top_k, top_p,
                      min_p, repetition_penalty, frequency_penalty, presence_penalty, uniform);
    });
}
