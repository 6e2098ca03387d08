// Read-bandwidth probe: the buffer split among the pool's threads, each summing its part with the
// read loop of the level in effect (probe_simd.cpp).
#include <atomic>

#include "llmaccel/probe.h"
#include "probe_simd.h"
#include "status.h"
#include "thread_pool.h"

extern "C" int llm_probe_read(int64_t* sum_out, const void* buffer, int64_t bytes) {
    return llm::guarded([&] {
        // Chunks of whole pages: each thread streams long runs of memory.
        constexpr int64_t kChunk = 1 << 20;
        const auto* base = static_cast<const uint8_t*>(buffer);
        const auto read = LLM_AT_LEVEL(kProbeKernels).read_sum;
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
