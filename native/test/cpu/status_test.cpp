// The C ABI's guard (src/status.h): each kind of C++ failure becomes its own status code in each
// library's table, the exception's message is kept, and an exception thrown inside a parallel
// region reaches the guard with its own type. Built and run after every build of the CPU library
// (native/CMakeLists.txt); a failure stops the build.
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

#include "llmaccel/common.h"
#include "status.h"
#include "thread_pool.h"

// The pool's one OpenBLAS call (it keeps OpenBLAS single-threaded); the test links no OpenBLAS.
extern "C" void openblas_set_num_threads(int) {}

namespace {

int failures = 0;

void expect(bool ok, const char* what, int line) {
    if (!ok) {
        std::fprintf(stderr, "status_test.cpp:%d: failed: %s\n", line, what);
        failures++;
    }
}

#define EXPECT(cond) expect((cond), #cond, __LINE__)

// A table whose codes differ from the CPU library's, as the CUDA library's do.
constexpr llm::status_codes kOther{101, 102, 103, 104};

struct not_std {};

struct custom_error : std::exception {
    const char* what() const noexcept override { return "custom"; }
};

template <class E>
int status_of(const E& e, const llm::status_codes& codes = llm::kCpuStatus) {
    return llm::guarded([&] { throw e; }, codes);
}

bool detail_is(const char* expected) { return std::strcmp(llm::failure_detail(), expected) == 0; }

void each_kind_has_its_own_status() {
    EXPECT(status_of(std::bad_alloc()) == LLM_ERR_OUT_OF_MEMORY);
    EXPECT(status_of(std::bad_array_new_length()) == LLM_ERR_OUT_OF_MEMORY);
    EXPECT(status_of(std::invalid_argument("n < 0")) == LLM_ERR_INVALID_ARGUMENT);
    EXPECT(detail_is("n < 0"));
    EXPECT(status_of(std::out_of_range("index")) == LLM_ERR_INVALID_ARGUMENT);
    EXPECT(status_of(std::length_error("too long")) == LLM_ERR_INVALID_ARGUMENT);
    EXPECT(status_of(std::domain_error("domain")) == LLM_ERR_INVALID_ARGUMENT);
    EXPECT(status_of(std::runtime_error("broken")) == LLM_ERR_INTERNAL);
    EXPECT(detail_is("broken"));
    EXPECT(status_of(std::overflow_error("overflow")) == LLM_ERR_INTERNAL);
    EXPECT(status_of(std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again))) == LLM_ERR_INTERNAL);
    EXPECT(status_of(custom_error()) == LLM_ERR_INTERNAL);
    EXPECT(detail_is("custom"));
    EXPECT(status_of(not_std()) == LLM_ERR_UNKNOWN);
    EXPECT(status_of(42) == LLM_ERR_UNKNOWN);
    EXPECT(status_of("a C string") == LLM_ERR_UNKNOWN);

    // The four statuses differ from each other and from success.
    const int codes[] = {LLM_OK, LLM_ERR_OUT_OF_MEMORY, LLM_ERR_INVALID_ARGUMENT, LLM_ERR_INTERNAL, LLM_ERR_UNKNOWN};
    for (int i = 0; i < 5; i++) {
        for (int j = i + 1; j < 5; j++) EXPECT(codes[i] != codes[j]);
    }
}

void another_library_uses_its_own_table() {
    EXPECT(status_of(std::bad_alloc(), kOther) == 101);
    EXPECT(status_of(std::out_of_range("index"), kOther) == 102);
    EXPECT(status_of(std::runtime_error("broken"), kOther) == 103);
    EXPECT(status_of(not_std(), kOther) == 104);
}

void a_body_that_does_not_throw_keeps_its_status() {
    EXPECT(llm::guarded([] {}) == LLM_OK);
    EXPECT(llm::guarded([]() -> int { return LLM_ERR_UNSUPPORTED; }) == LLM_ERR_UNSUPPORTED);
    EXPECT(llm::guarded_value(7, [] { return 3; }) == 3);
    EXPECT(llm::guarded_value(7, []() -> int { throw std::length_error("vector"); }) == 7);
    EXPECT(detail_is("vector"));
    auto thrower = [] { throw 1; };
    static_assert(noexcept(llm::guarded(thrower)), "the guard itself never throws");
}

void a_long_message_is_truncated() {
    std::string long_message(1000, 'x');
    EXPECT(status_of(std::runtime_error(long_message)) == LLM_ERR_INTERNAL);
    EXPECT(std::strlen(llm::failure_detail()) == 255);
}

// The pool rethrows a chunk's exception on the calling thread as it was thrown.
void a_failure_in_a_parallel_region_keeps_its_kind() {
    EXPECT(llm_threads_set(4) == LLM_OK);
    for (int round = 0; round < 20; round++) {
        int s = llm::guarded([] {
            llm::parallel_for(4096, 1, [](int64_t i0, int64_t i1) {
                if (i0 <= 3000 && 3000 < i1) throw std::invalid_argument("row 3000");
            });
        });
        EXPECT(s == LLM_ERR_INVALID_ARGUMENT);
        EXPECT(detail_is("row 3000"));
        s = llm::guarded([] {
            llm::parallel_for(4096, 1, [](int64_t i0, int64_t i1) { throw std::runtime_error("every chunk"); });
        });
        EXPECT(s == LLM_ERR_INTERNAL);
        s = llm::guarded([] { llm::parallel_for(4096, 1, [](int64_t, int64_t) {}); });
        EXPECT(s == LLM_OK);  // a failure is not remembered into the next region
    }
}

}  // namespace

int main() {
    each_kind_has_its_own_status();
    another_library_uses_its_own_table();
    a_body_that_does_not_throw_keeps_its_status();
    a_long_message_is_truncated();
    a_failure_in_a_parallel_region_keeps_its_kind();
    if (failures != 0) {
        std::fprintf(stderr, "status_test: %d check(s) failed\n", failures);
        return 1;
    }
    std::printf("status_test: every check passed\n");
    return 0;
}
