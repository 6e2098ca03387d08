// Logits to the next token, step by step as sampling.h describes, without sorting the whole
// vocabulary when it is not needed.
//
// The steps only ever look at a prefix of the candidates in sorted order: the first top-k, the
// shortest prefix that holds top-p of the probability, the tokens above min-p, or the prefix in
// which the draw falls. The tokens whose logit is at least a threshold t form such a prefix, so
// only they are sorted, and the steps run on them exactly as on the whole order; a step that
// would look past them says so, and a lower threshold is taken (in the end, every token):
//   - top-k: t = the k-th largest of the maxima of blocks of 64 tokens, which at least k tokens reach;
//   - min-p: t = max + ln(min_p), below which no token can pass min-p;
//   - otherwise (top-p, or the draw over everything): t = max - 8 nats, then 16, 32, ...
//
// Scratch space lives per thread and is reused: a fresh 1 MB buffer per call costs more in page
// faults than the whole pass.
#include <algorithm>
#include <cmath>
#include <vector>

#include "llmaccel/sampling.h"
#include "sampling_simd.h"
#include "status.h"

namespace {

constexpr int64_t kBlock = llm::kSampleBlock;  // tokens per block maximum (see max_value)
constexpr double kFirstSpan = 8.0;      // nats below the maximum of the first try without top-k
constexpr double kSlack = 1e-6;         // nats of margin on the min-p threshold, for rounding

struct Settings {
    float temperature;
    int32_t top_k;
    float top_p;
    float min_p;
    double uniform;
};

struct Candidate {
    double logit;  // after bias, penalties and temperature
    int32_t id;
};

// The order of the steps: larger logit first, lower id first on ties, and NaN (only reachable as
// inf + -inf bias) before everything, as Java's Double.compare orders it in ReferenceBackend.
bool before(const Candidate& a, const Candidate& b) {
    const bool na = std::isnan(a.logit), nb = std::isnan(b.logit);
    if (na || nb) return na && nb ? a.id < b.id : na;
    return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
}

// Probability weight of a logit relative to the largest one, as ReferenceBackend computes it.
double weight(double logit, double max) { return logit == max ? 1.0 : std::exp(logit - max); }

constexpr int64_t kNeedMore = -1;

// The softmax steps on the first n candidates in sorted order (sorted[0] is the largest).
// keep0 is top-k (or the vocabulary size), total the weight of those keep0 candidates (needed by
// top-p, and by the draw when nothing is cut) and beyond a bound on the weight of every candidate
// after the first n. Returns the index of the chosen candidate, or kNeedMore if a step needs a
// candidate beyond n.
int64_t finish(const std::vector<Candidate>& sorted, int64_t n, int64_t keep0, double total, double beyond,
               const Settings& s, std::vector<double>& p) {
    const double max = sorted[0].logit;
    p.resize((size_t)n);
    for (int64_t i = 0; i < n; i++) p[(size_t)i] = weight(sorted[(size_t)i].logit, max);
    // Top-p keeps a prefix, then min-p keeps the part of it above its threshold: together the
    // shorter of the two prefixes. Either cut decides it when it falls inside the first n.
    int64_t keep = keep0;
    bool known = keep0 <= n;
    if (s.min_p > 0.0f) {
        const double threshold = s.min_p * p[0];
        int64_t kept = 1;
        while (kept < keep && kept < n && p[(size_t)kept] >= threshold) kept++;
        if (kept < n || kept == keep || beyond < threshold) {  // else the cut may lie beyond n
            keep = kept;
            known = true;
        }
    }
    if (s.top_p < 1.0f) {
        double cumulative = 0;
        int64_t i = 0;
        for (; i < keep && i < n; i++) {
            cumulative += p[(size_t)i] / total;
            if (cumulative >= s.top_p) break;
        }
        if (i < keep && i < n) {
            keep = i + 1;
            known = true;
        }
    }
    double kept_total = 0;
    if (known) {
        for (int64_t i = 0; i < keep; i++) kept_total += p[(size_t)i];
    } else if (s.min_p == 0.0f && s.top_p == 1.0f) {
        kept_total = total;  // nothing was cut: the draw runs over all keep0, whose weight is total
    } else {
        return kNeedMore;
    }
    const double target = s.uniform * kept_total;
    double cumulative = 0;
    for (int64_t i = 0; i < keep && i < n; i++) {
        cumulative += p[(size_t)i];
        if (cumulative > target) return i;
    }
    return keep <= n ? keep - 1 : kNeedMore;
}

// Scratch space of one thread, kept between calls.
struct Scratch {
    std::vector<double> l;          // (vocab) logits after bias, penalties and temperature
    std::vector<double> block_max;  // (vocab / kBlock, rounded up)
    std::vector<int32_t> ids;       // (vocab)
    std::vector<Candidate> cand;
    std::vector<double> p;
};

// ---- the steps -----------------------------------------------------------------------------------

// Logit bias, then the penalties per distinct recent token, then the temperature (divisor), for
// the tokens they touch, in double as ReferenceBackend does. Returns whether one became NaN
// (inf + -inf bias).
bool adjust(std::vector<double>& l, const float* logits, const int32_t* bias_ids, const float* bias_values,
            int64_t n_bias, const int32_t* recent, int64_t n_recent, float repetition_penalty,
            float frequency_penalty, float presence_penalty, double divisor) {
    std::vector<int32_t> touched(recent, recent + n_recent);
    touched.insert(touched.end(), bias_ids, bias_ids + n_bias);
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (int32_t t : touched) l[(size_t)t] = std::isnan(logits[t]) ? -INFINITY : (double)logits[t];
    for (int64_t i = 0; i < n_bias; i++) l[(size_t)bias_ids[i]] += bias_values[i];
    std::vector<int32_t> seen(recent, recent + n_recent);
    std::sort(seen.begin(), seen.end());
    for (size_t i = 0; i < seen.size();) {
        size_t j = i;
        while (j < seen.size() && seen[j] == seen[i]) j++;
        double& x = l[(size_t)seen[i]];
        x = x > 0 ? x / repetition_penalty : x * repetition_penalty;
        x -= (double)(j - i) * frequency_penalty + presence_penalty;
        i = j;
    }
    bool nan = false;
    for (int32_t t : touched) {
        l[(size_t)t] /= divisor;
        nan |= std::isnan(l[(size_t)t]);
    }
    return nan;
}

// Appends the tokens with lo <= l < hi to sc.cand, sorted; every token (NaN included) when lo is
// -inf and hi +inf. The caller appends ranges from the top down, so sc.cand stays sorted.
void append_sorted(Scratch& sc, int64_t vocab, double lo, double hi, const llm::SamplingKernels& kern) {
    int64_t count = vocab;
    if (lo == -INFINITY && hi == INFINITY) {
        for (int64_t i = 0; i < vocab; i++) sc.ids[(size_t)i] = (int32_t)i;
    } else {
        count = kern.collect(sc.ids.data(), sc.l.data(), vocab, lo, hi);
    }
    const size_t start = sc.cand.size();
    sc.cand.resize(start + (size_t)count);
    for (int64_t i = 0; i < count; i++) sc.cand[start + (size_t)i] = {sc.l[(size_t)sc.ids[(size_t)i]], sc.ids[(size_t)i]};
    std::sort(sc.cand.begin() + (std::ptrdiff_t)start, sc.cand.end(), before);
}

int32_t sample(Scratch& sc, const float* logits, int64_t vocab, const int32_t* bias_ids, const float* bias_values,
               int64_t n_bias, const int32_t* recent, int64_t n_recent, float repetition_penalty,
               float frequency_penalty, float presence_penalty, const Settings& s) {
    const llm::SamplingKernels& kern = LLM_AT_LEVEL(kSamplingKernels);
    const bool greedy = s.temperature == 0.0f;
    sc.l.resize((size_t)vocab);
    sc.block_max.resize((size_t)((vocab + kBlock - 1) / kBlock));
    sc.ids.resize((size_t)vocab);
    // Every token: logit / temperature in one pass; then the ones that bias and penalties touch
    // are redone step by step.
    const double divisor = greedy ? 1.0 : (double)s.temperature;
    kern.logits_to_double(sc.l.data(), logits, vocab, divisor);
    const bool has_nan = adjust(sc.l, logits, bias_ids, bias_values, n_bias, recent, n_recent, repetition_penalty,
                                frequency_penalty, presence_penalty, divisor);
    const double* l = sc.l.data();
    const double max = has_nan ? NAN : kern.max_value(sc.block_max.data(), l, vocab);

    if (greedy) {  // the first largest logit; a NaN never wins, as in a plain "l[i] > l[best]" scan
        int64_t best = 0;
        if (has_nan) {
            for (int64_t i = 1; i < vocab; i++) best = l[i] > l[best] ? i : best;
        } else {
            while (sc.block_max[(size_t)(best / kBlock)] != max) best += kBlock;
            while (l[best] != max) best++;
        }
        return (int32_t)best;
    }
    if (max == -INFINITY) return 0;  // every logit is -inf: the first token

    const int64_t keep0 = s.top_k > 0 ? std::min<int64_t>(s.top_k, vocab) : vocab;
    sc.cand.clear();
    if (has_nan || std::isinf(max)) {  // NaN or +inf: weights are not relative to a finite max; sort all
        append_sorted(sc, vocab, -INFINITY, INFINITY, kern);
        double total = 0;
        for (int64_t i = 0; i < keep0; i++) total += weight(sc.cand[(size_t)i].logit, sc.cand[0].logit);
        return sc.cand[(size_t)finish(sc.cand, keep0, keep0, total, 0.0, s, sc.p)].id;
    }

    if (keep0 < vocab) {  // top-k: the k-th largest block maximum lets at least k tokens through
        std::vector<double>& bm = sc.block_max;
        double threshold = -INFINITY;
        if (keep0 <= (int64_t)bm.size()) {
            std::nth_element(bm.begin(), bm.begin() + (keep0 - 1), bm.end(), std::greater<double>());
            threshold = bm[(size_t)(keep0 - 1)];
        }
        append_sorted(sc, vocab, threshold, INFINITY, kern);
        double total = 0;  // the weight of the top-k, summed in their order
        for (int64_t i = 0; i < keep0; i++) total += weight(sc.cand[(size_t)i].logit, max);
        return sc.cand[(size_t)finish(sc.cand, keep0, keep0, total, 0.0, s, sc.p)].id;
    }

    // The whole vocabulary: its total weight (summed in id order) when top-p or the draw needs it.
    const bool needs_total = s.top_p < 1.0f || s.min_p == 0.0f;
    const double total = needs_total ? kern.exp_sum(l, vocab, max) : 0.0;
    const double min_p_floor = s.min_p > 0.0f ? max + std::log((double)s.min_p) - kSlack : -INFINITY;
    double hi = INFINITY;  // sc.cand holds the tokens with l >= hi
    for (double span = kFirstSpan;; span *= 2) {
        double lo = std::max(max - span, min_p_floor);
        if (span > 1000.0) lo = -INFINITY;  // exp underflows past 745 nats: take everything
        if (lo < hi) append_sorted(sc, vocab, lo, hi, kern);
        hi = lo;
        const double beyond = lo == -INFINITY ? 0.0 : std::exp(lo - max);
        const int64_t chosen = finish(sc.cand, (int64_t)sc.cand.size(), keep0, total, beyond, s, sc.p);
        if (chosen != kNeedMore) return sc.cand[(size_t)chosen].id;
    }
}

}  // namespace

extern "C" int llm_sample(int32_t* out, const float* logits, int64_t vocab, const int32_t* bias_ids,
                          const float* bias_values, int64_t n_bias, const int32_t* recent, int64_t n_recent,
                          float temperature, int32_t top_k, float top_p, float min_p, float repetition_penalty,
                          float frequency_penalty, float presence_penalty, double uniform) {
    return llm::guarded([&] {
        thread_local Scratch scratch;
        *out = sample(scratch, logits, vocab, bias_ids, bias_values, n_bias, recent, n_recent, repetition_penalty,
                      frequency_penalty, presence_penalty, {temperature, top_k, top_p, min_p, uniform});
    });
}
