// The one guard of the C ABI, shared by the CPU and the CUDA library: every exported function runs
// its body inside llm::guarded (or llm::guarded_value), which turns whatever C++ exception escapes
// into that library's status code for its kind, so that nothing unwinds into the JVM or any other
// C caller. GuardedEntryPointsTest checks that every extern "C" function is written so.
#ifndef LLMACCEL_STATUS_H
#define LLMACCEL_STATUS_H

#include <cstddef>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <type_traits>

#include "llmaccel/common.h"

namespace llm {

// A library's status code for each kind of C++ failure.
struct status_codes {
    int out_of_memory;     // std::bad_alloc (a host allocation failed)
    int invalid_argument;  // std::logic_error: invalid_argument, out_of_range, length_error, domain_error
    int internal;          // any other std::exception: runtime_error, system_error, ...
    int unknown;           // something thrown that is not a std::exception
};

// The CPU library's codes (common.h).
constexpr status_codes kCpuStatus{LLM_ERR_OUT_OF_MEMORY, LLM_ERR_INVALID_ARGUMENT, LLM_ERR_INTERNAL,
                                  LLM_ERR_UNKNOWN};

// The what() of the last failure a guard caught on this thread, truncated; a fixed buffer, so that
// recording a std::bad_alloc allocates nothing.
inline char* failure_detail() {
    static thread_local char detail[256];
    return detail;
}

inline void set_failure_detail(const char* what) {
    char* d = failure_detail();
    std::strncpy(d, what, 255);
    d[255] = 0;
}

// The status of the exception being handled, its what() kept as the detail (call in a catch block).
inline int current_failure(const status_codes& codes) {
    try {
        throw;
    } catch (const std::bad_alloc& e) {
        set_failure_detail(e.what());
        return codes.out_of_memory;
    } catch (const std::logic_error& e) {
        set_failure_detail(e.what());
        return codes.invalid_argument;
    } catch (const std::exception& e) {
        set_failure_detail(e.what());
        return codes.internal;
    } catch (...) {
        set_failure_detail("an exception that is not a std::exception");
        return codes.unknown;
    }
}

// Runs body() and returns its status (a body returning void succeeds with 0), or the status of the
// exception it threw. The detail is cleared first, so that it always belongs to this call's status.
template <class Body>
int guarded(Body&& body, const status_codes& codes = kCpuStatus) noexcept {
    using Result = decltype(body());
    static_assert(std::is_void_v<Result> || std::is_same_v<Result, int>, "a guarded body returns a status or nothing");
    failure_detail()[0] = 0;
    try {
        if constexpr (std::is_void_v<Result>) {
            body();
            return 0;
        } else {
            return body();
        }
    } catch (...) {
        return current_failure(codes);
    }
}

// For functions that return a value instead of a status: body()'s value, or fallback when it
// threw (the failure's detail is still recorded; a success leaves the last one alone, so that
// llm_error_detail, which runs in this guard, can read it).
template <class T, class Body>
T guarded_value(T fallback, Body&& body, const status_codes& codes = kCpuStatus) noexcept {
    try {
        return body();
    } catch (...) {
        current_failure(codes);
        return fallback;
    }
}

}  // namespace llm

#endif
