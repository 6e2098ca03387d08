// The thread pool's own test, run after every build (POST_BUILD in native/CMakeLists.txt), and
// under ThreadSanitizer with -DLLMACCEL_SANITIZE=thread: every chunk of every region runs exactly
// once, for thread counts 1, 2, 3 and 8; callers on several threads at once; regions nested in a
// chunk; a chunk that throws; a resize while other threads start regions. Exit status 0 = passed.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

#include "llmaccel/common.h"
#include "thread_pool.h"

namespace {

int failures = 0;

#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond)) {                                                \
            std::fprintf(stderr, "FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            std::fprintf(stderr, __VA_ARGS__);                        \
            std::fprintf(stderr, "\n");                               \
            failures++;                                               \
        }                                                             \
    } while (0)

// Runs one region over [0, n) and checks that each index was visited exactly once by chunks of
// at least grain items (the last chunk may be shorter) that lie inside [0, n).
bool run_once_each(int64_t n, int64_t grain) {
    std::vector<std::atomic<int>> visits((size_t)n);
    std::atomic<bool> bad_chunk{false};
    llm::parallel_for(n, grain, [&](int64_t begin, int64_t end) {
        if (begin < 0 || end > n || begin >= end || (end - begin < grain && end != n)) bad_chunk = true;
        for (int64_t i = begin; i < end && i < n && i >= 0; i++) visits[(size_t)i].fetch_add(1, std::memory_order_relaxed);
    });
    bool ok = !bad_chunk.load();
    for (int64_t i = 0; i < n; i++) ok = ok && visits[(size_t)i].load() == 1;
    return ok;
}

void every_chunk_runs_once() {
    for (int threads : {1, 2, 3, 8}) {
        CHECK(llm_threads_set(threads) == LLM_OK, "threads %d", threads);
        CHECK(llm_threads_get() == threads, "threads %d, got %d", threads, llm_threads_get());
        for (int64_t n : {0, 1, 2, 7, 64, 1000, 100003}) {
            for (int64_t grain : {0, 1, 3, 64, 1000}) {
                CHECK(run_once_each(n, grain), "threads %d, n %lld, grain %lld", threads, (long long)n, (long long)grain);
            }
        }
    }
}

// Several threads start regions at once: one gets the pool, the others run alone; all are complete.
void concurrent_callers(int threads) {
    llm_threads_set(threads);
    std::atomic<int> bad{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 4; c++) {
        callers.emplace_back([&, c] {
            for (int r = 0; r < 200; r++) {
                if (!run_once_each(257 + c * 31 + r, 1 + r % 5)) bad++;
            }
        });
    }
    for (auto& t : callers) t.join();
    CHECK(bad.load() == 0, "threads %d: %d regions incomplete", threads, bad.load());
}

// A chunk that starts its own region (as a kernel calling another kernel would): the inner region
// runs on that thread, completely.
void nested_regions(int threads) {
    llm_threads_set(threads);
    const int64_t outer = 16, inner = 300;
    std::vector<std::atomic<int>> visits((size_t)(outer * inner));
    llm::parallel_for(outer, 1, [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; o++) {
            llm::parallel_for(inner, 7, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; i++) visits[(size_t)(o * inner + i)].fetch_add(1, std::memory_order_relaxed);
            });
        }
    });
    int wrong = 0;
    for (auto& v : visits) wrong += v.load() != 1;
    CHECK(wrong == 0, "threads %d: %d nested items not visited once", threads, wrong);
}

// A chunk throws std::bad_alloc: the caller gets it after the region, every other chunk still ran,
// and the pool works afterwards.
void throwing_chunk(int threads) {
    llm_threads_set(threads);
    const int64_t n = 1000;
    std::vector<std::atomic<int>> visits((size_t)n);
    std::atomic<int64_t> thrown_begin{-1}, thrown_end{-1};
    bool caught = false;
    try {
        llm::parallel_for(n, 10, [&](int64_t begin, int64_t end) {
            if (begin <= 500 && 500 < end) {
                thrown_begin = begin;
                thrown_end = end;
                throw std::bad_alloc();
            }
            for (int64_t i = begin; i < end; i++) visits[(size_t)i].fetch_add(1, std::memory_order_relaxed);
        });
    } catch (const std::bad_alloc&) {
        caught = true;
    }
    CHECK(caught, "threads %d: the chunk's std::bad_alloc did not reach the caller", threads);
    int wrong = 0;
    for (int64_t i = 0; i < n; i++) {
        bool in_thrown = i >= thrown_begin.load() && i < thrown_end.load();
        wrong += visits[(size_t)i].load() != (in_thrown ? 0 : 1);
    }
    CHECK(wrong == 0, "threads %d: %d items outside the throwing chunk not visited once", threads, wrong);
    CHECK(run_once_each(5000, 3), "threads %d: the pool after a throwing chunk", threads);
}

// llm_threads_set on one thread while others start regions: every region completes.
void resize_while_running() {
    std::atomic<bool> done{false};
    std::atomic<int> bad{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 2; c++) {
        callers.emplace_back([&] {
            while (!done.load()) {
                if (!run_once_each(999, 4)) bad++;
            }
        });
    }
    for (int r = 0; r < 40; r++) llm_threads_set(1 + r % 4);
    done = true;
    for (auto& t : callers) t.join();
    CHECK(bad.load() == 0, "%d regions incomplete during resizes", bad.load());
}

}  // namespace

int main() {
    every_chunk_runs_once();
    for (int threads : {1, 2, 3, 8}) {
        concurrent_callers(threads);
        nested_regions(threads);
        throwing_chunk(threads);
    }
    resize_while_running();
    if (failures != 0) {
        std::fprintf(stderr, "thread_pool_test: %d failures\n", failures);
        return 1;
    }
    std::printf("thread_pool_test: passed\n");
    return 0;
}
