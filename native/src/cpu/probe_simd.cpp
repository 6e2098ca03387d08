// The bandwidth probe's read loop, written once over vec.h: vector loads, four independent sums
// in flight.
#include "probe_simd.h"

#include "vec.h"

namespace llm {
namespace LLM_ISA {
namespace {

uint64_t read_sum(const uint8_t* p, int64_t bytes) {
    constexpr int64_t kWidth = (int64_t)sizeof(Bytes);
    Bytes s0 = zero_bytes(), s1 = s0, s2 = s0, s3 = s0;
    int64_t i = 0;
    for (; i + 4 * kWidth <= bytes; i += 4 * kWidth) {
        s0 = add_u64(s0, load_bytes(p + i));
        s1 = add_u64(s1, load_bytes(p + i + kWidth));
        s2 = add_u64(s2, load_bytes(p + i + 2 * kWidth));
        s3 = add_u64(s3, load_bytes(p + i + 3 * kWidth));
    }
    uint64_t sum = hsum_u64(add_u64(add_u64(s0, s1), add_u64(s2, s3)));
    for (; i + 8 <= bytes; i += 8) {
        uint64_t v;
        std::memcpy(&v, p + i, 8);
        sum += v;
    }
    for (; i < bytes; i++) sum += p[i];
    return sum;
}

}  // namespace

extern const ProbeKernels kProbeKernels = {read_sum};

}  // namespace LLM_ISA
}  // namespace llm
