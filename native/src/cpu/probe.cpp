// Read-bandwidth probe: the buffer split among the pool's threads, each summing its part.
#include <atomic>
#include <cstring>

#include "cpu_features.h"
#include "llmaccel/probe.h"
#include "probe_read.h"
#include "status.h"
#include "thread_pool.h"

namespace llm {

uint64_t read_sum_portable(const uint8_t* p, int64_t bytes) {
    uint64_t sum = 0;
    int64_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
        uint64_t v;
        std::memcpy(&v, p + i, 8);
        sum += v;
    }
    for (; i < bytes; i++) sum += p[i];
    return sum;
}

}  // namespace llm

extern "C" int llm_probe_read(int64_t* sum_out, const void* buffer, int64_t bytes) {
    return llm::guarded([&] {
        // Chunks of whole pages: each thread streams long runs of memory.
        constexpr int64_t kChunk = 1 << 20;
        const auto* base = static_cast<const uint8_t*>(buffer);
        const auto read = llm::use_avx2() ? llm::read_sum_avx2 : llm::read_sum_portable;
        std::atomic<uint64_t> total{0};
        *sum_out = 0;
        llm::parallel_for((bytes + kChunk - 1) / kChunk, 1, [&](int64_t c0, int64_t c1) {
            const int64_t begin = c0 * kChunk;
            const int64_t end = c1 * kChunk < bytes ? c1 * kChunk : bytes;
            total.fetch_add(read(base + begin, end - begin), std::memory_order_relaxed);
        });
        *sum_out = (int64_t)total.load();
    });
}
