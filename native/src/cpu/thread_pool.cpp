#include "thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include <cblas.h>
#include <immintrin.h>

#include "llmaccel/common.h"
#include "status.h"

namespace llm {
namespace {

// How long an idle worker spins before it sleeps. Decode issues hundreds of small kernels per
// token; waking a sleeping thread costs tens of microseconds, spinning this long costs little.
constexpr int kSpinIterations = 1 << 14;

thread_local bool t_inside_region = false;

class ThreadPool {
public:
    ~ThreadPool() { resize(1); }

    int size() const { return threads_.load(std::memory_order_relaxed); }

    // Stops the current workers and starts n - 1 new ones. Returns false if a thread failed to start.
    bool resize(int n) {
        std::lock_guard<std::mutex> region(region_mutex_);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (auto& w : workers_) w.join();
        workers_.clear();
        stop_ = false;
        threads_.store(1, std::memory_order_relaxed);
        // A worker must start from the generation of now, not of when its thread gets to run:
        // a region started before then would otherwise never be seen, and wait for it forever.
        const uint64_t start = generation_.load(std::memory_order_acquire);
        for (int i = 1; i < n; i++) {
            try {
                workers_.emplace_back([this, start] { worker_loop(start); });
            } catch (const std::exception&) {
                threads_.store((int)workers_.size() + 1, std::memory_order_relaxed);
                return false;
            }
        }
        threads_.store(n, std::memory_order_relaxed);
        return true;
    }

    void run(int64_t n, int64_t grain, RangeFn fn, void* ctx) {
        if (grain < 1) grain = 1;
        // Inside a region (a worker, or the caller in a chunk) this thread may hold region_mutex_
        // already: no try_lock then (std::mutex may not be locked twice by one thread).
        if (t_inside_region || n <= grain) {
            fn(ctx, 0, n);
            return;
        }
        std::unique_lock<std::mutex> region(region_mutex_, std::try_to_lock);
        // threads_ is only stable while the lock is held (resize holds it too).
        if (!region.owns_lock() || size() == 1) {
            fn(ctx, 0, n);
            return;
        }
        const int64_t threads = size();
        // Chunks: about four per thread so a slow thread (a busy core) does not hold everyone up.
        int64_t chunk = (n + threads * 4 - 1) / (threads * 4);
        if (chunk < grain) chunk = grain;
        fn_ = fn;
        ctx_ = ctx;
        n_ = n;
        chunk_ = chunk;
        next_.store(0, std::memory_order_relaxed);
        failed_.store(false, std::memory_order_relaxed);
        active_.store((int)workers_.size(), std::memory_order_relaxed);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            generation_.fetch_add(1, std::memory_order_release);
        }
        wake_.notify_all();
        t_inside_region = true;
        work();
        t_inside_region = false;
        // Wait for the workers to finish their chunks.
        while (active_.load(std::memory_order_acquire) != 0) _mm_pause();
        if (failed_.load(std::memory_order_relaxed)) {
            std::exception_ptr failure = failure_;
            failure_ = nullptr;
            std::rethrow_exception(failure);
        }
    }

private:
    // Runs chunks until none is left. A task that throws must not unwind a worker thread: the
    // first failure is kept and rethrown on the calling thread (the workers' writes reach it
    // through active_'s release and acquire).
    void work() {
        for (;;) {
            int64_t begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
            if (begin >= n_) break;
            int64_t end = begin + chunk_ < n_ ? begin + chunk_ : n_;
            try {
                fn_(ctx_, begin, end);
            } catch (...) {
                bool first = false;
                if (failed_.compare_exchange_strong(first, true, std::memory_order_relaxed)) {
                    failure_ = std::current_exception();
                }
            }
        }
    }

    void worker_loop(uint64_t seen) {
        t_inside_region = true;
        for (;;) {
            int spins = 0;
            while (generation_.load(std::memory_order_acquire) == seen) {
                if (++spins < kSpinIterations) {
                    _mm_pause();
                    continue;
                }
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_acquire) != seen; });
                if (stop_) return;
            }
            if (stop_) return;
            seen = generation_.load(std::memory_order_acquire);
            work();
            active_.fetch_sub(1, std::memory_order_acq_rel);
        }
    }

    std::mutex region_mutex_;  // one parallel region at a time
    std::mutex mutex_;         // guards sleeping and stop_
    std::condition_variable wake_;
    std::vector<std::thread> workers_;
    std::atomic<int> threads_{1};  // written under region_mutex_; size() reads it from any thread
    bool stop_ = false;

    std::atomic<uint64_t> generation_{0};
    std::atomic<int> active_{0};
    std::atomic<int64_t> next_{0};
    std::atomic<bool> failed_{false};
    std::exception_ptr failure_;  // the first chunk's exception, set by whoever sets failed_
    RangeFn fn_ = nullptr;
    void* ctx_ = nullptr;
    int64_t n_ = 0;
    int64_t chunk_ = 1;
};

ThreadPool& pool() {
    static ThreadPool* p = [] {
        auto* created = new ThreadPool();  // never destroyed: workers may outlive static destructors
        unsigned cores = std::thread::hardware_concurrency();
        created->resize(cores == 0 ? 1 : (int)cores);
        // OpenBLAS never starts threads of its own: F32 kernels call sgemm on slices from inside
        // this pool's tasks, so the cores are never oversubscribed.
        openblas_set_num_threads(1);
        return created;
    }();
    return *p;
}

}  // namespace

void parallel_run(int64_t n, int64_t grain, RangeFn fn, void* ctx) { pool().run(n, grain, fn, ctx); }

int thread_count() { return pool().size(); }

}  // namespace llm

extern "C" int llm_threads_set(int n) {
    return llm::guarded([&]() -> int {
        if (n < 1) {
            unsigned cores = std::thread::hardware_concurrency();
            n = cores == 0 ? 1 : (int)cores;
        }
        bool ok = llm::pool().resize(n);
        return ok ? LLM_OK : LLM_ERR_THREADS;
    });
}

extern "C" int llm_threads_get(void) {
    return llm::guarded_value(1, [] { return llm::pool().size(); });
}
