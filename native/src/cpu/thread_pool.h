// The library's own CPU thread pool: one per process, sized by llm_threads_set, shared by every
// kernel. The caller's thread takes part in the work, so n threads means n - 1 workers.
//
// A parallel region started while another is running (a second Java thread, or a kernel that
// calls parallel_for from inside a task) runs on the calling thread alone: correct, never a
// deadlock, and rare in practice since a model session drives one op at a time.
#ifndef LLMACCEL_THREAD_POOL_H
#define LLMACCEL_THREAD_POOL_H

#include <cstdint>
#include <utility>

namespace llm {

// Runs fn(ctx, begin, end) over [0, n) in chunks of at least grain items; returns when all are done.
// If a chunk throws, the others still run and the first chunk's exception is rethrown here afterwards
// (its own type, so that the C ABI's guard reports its own status).
using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end);
void parallel_run(int64_t n, int64_t grain, RangeFn fn, void* ctx);

// The number of threads a parallel region uses (workers + the caller).
int thread_count();

// Type-safe front end: body(begin, end) is called for disjoint chunks that cover [0, n).
template <class Body>
void parallel_for(int64_t n, int64_t grain, Body&& body) {
    if (n <= 0) return;
    auto trampoline = [](void* ctx, int64_t begin, int64_t end) {
        (*static_cast<Body*>(ctx))(begin, end);
    };
    parallel_run(n, grain, trampoline, &body);
}

}  // namespace llm

#endif
