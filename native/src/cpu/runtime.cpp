// Version, CPU feature detection, host memory and memory-mapped files.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include <cpuid.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu_features.h"
#include "llmaccel/common.h"
#include "status.h"

namespace llm {
namespace {

std::atomic<int64_t> g_host_bytes{0};
std::atomic<int> g_simd_limit{kSimdAvx512};

// Reads the CPU's features once; AVX needs the OS to save YMM state (OSXSAVE + XCR0).
int detect_features() {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    bool osxsave = (ecx & bit_OSXSAVE) != 0;
    bool fma = (ecx & bit_FMA) != 0;
    bool f16c = (ecx & bit_F16C) != 0;
    if (!osxsave) return 0;
    unsigned xcr0_lo, xcr0_hi;
    __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    bool ymm = (xcr0_lo & 0x6) == 0x6;
    bool zmm = (xcr0_lo & 0xe6) == 0xe6;
    if (!ymm) return 0;
    int features = 0;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
        if (ebx & bit_AVX2) features |= kAvx2;
        if (zmm && (ebx & bit_AVX512F)) features |= kAvx512f;
        if (zmm && (ebx & bit_AVX512BW)) features |= kAvx512bw;
        if (zmm && (ebx & bit_AVX512VL)) features |= kAvx512vl;
        if (zmm && (ecx & bit_AVX512VNNI)) features |= kAvx512vnni;
        if (zmm && (ecx & bit_AVX512VBMI)) features |= kAvx512vbmi;
    }
    if (fma) features |= kFma;
    if (f16c) features |= kF16c;
    return features;
}

}  // namespace

int cpu_features() {
    static const int features = detect_features();
    return features;
}

// The highest level this CPU supports.
static int simd_level_supported() {
    const int avx2 = kAvx2 | kFma | kF16c;
    const int avx512 = avx2 | kAvx512f | kAvx512bw | kAvx512vl | kAvx512vnni | kAvx512vbmi;
    const int f = cpu_features();
    if ((f & avx512) == avx512) return kSimdAvx512;
    if ((f & avx2) == avx2) return kSimdAvx2;
    return kSimdPortable;
}

int simd_level() {
    int limit = g_simd_limit.load(std::memory_order_relaxed);
    int supported = simd_level_supported();
    return limit < supported ? limit : supported;
}

bool use_avx2() { return simd_level() >= kSimdAvx2; }

}  // namespace llm

extern "C" {

int llm_version(void) {
    return llm::guarded_value(0, [] { return 100; });
}

int llm_cpu_features(void) {
    return llm::guarded_value(0, [] { return llm::cpu_features(); });
}

void llm_cpu_simd_disable(int disable) {
    llm::guarded([&] { llm::g_simd_limit.store(disable != 0 ? llm::kSimdPortable : llm::kSimdAvx512); });
}

int llm_cpu_simd_limit(int max_level) {
    return llm::guarded_value<int>(llm::kSimdPortable, [&] {
        if (max_level < llm::kSimdPortable) max_level = llm::kSimdPortable;
        if (max_level > llm::kSimdAvx512) max_level = llm::kSimdAvx512;
        llm::g_simd_limit.store(max_level);
        return llm::simd_level();
    });
}

int llm_cpu_simd_level(void) {
    return llm::guarded_value<int>(llm::kSimdPortable, [] { return llm::simd_level(); });
}

const char* llm_status_string(int status) {
    return llm::guarded_value<const char*>("unknown status", [&] {
        switch (status) {
            case LLM_OK: return "ok";
            case LLM_ERR_OUT_OF_MEMORY: return "out of memory";
            case LLM_ERR_THREADS: return "thread pool failure";
            case LLM_ERR_UNSUPPORTED: return "unsupported by this build or CPU";
            case LLM_ERR_IO: return "I/O error";
            case LLM_ERR_DEVICE: return "device error";
            case LLM_ERR_INVALID_ARGUMENT: return "invalid argument";
            case LLM_ERR_INTERNAL: return "internal error";
            case LLM_ERR_UNKNOWN: return "unknown failure (not a std::exception)";
            default: return "unknown status";
        }
    });
}

const char* llm_error_detail(void) {
    return llm::guarded_value<const char*>("", [] { return static_cast<const char*>(llm::failure_detail()); });
}

// The allocation size is stored in a 64-byte header so free can account for it.
int llm_host_alloc(void** out, int64_t bytes) {
    return llm::guarded([&]() -> int {
        const size_t header = 64;
        void* raw = nullptr;
        if (bytes < 0 || posix_memalign(&raw, 64, header + (size_t)bytes) != 0) {
            *out = nullptr;
            return LLM_ERR_OUT_OF_MEMORY;
        }
        *static_cast<int64_t*>(raw) = bytes;
        llm::g_host_bytes.fetch_add(bytes);
        *out = static_cast<char*>(raw) + header;
        return LLM_OK;
    });
}

void llm_host_free(void* ptr) {
    llm::guarded([&] {
        if (ptr == nullptr) return;
        void* raw = static_cast<char*>(ptr) - 64;
        llm::g_host_bytes.fetch_sub(*static_cast<int64_t*>(raw));
        free(raw);
    });
}

int64_t llm_host_bytes_in_use(void) {
    return llm::guarded_value<int64_t>(0, [] { return llm::g_host_bytes.load(); });
}

void llm_host_copy(void* dst, const void* src, int64_t bytes) {
    llm::guarded([&] { memcpy(dst, src, (size_t)bytes); });
}

void llm_host_fill(void* dst, int value, int64_t bytes) {
    llm::guarded([&] { memset(dst, value, (size_t)bytes); });
}

int llm_file_map(void** out_addr, int64_t* out_bytes, const char* path) {
    return llm::guarded([&]() -> int {
        *out_addr = nullptr;
        *out_bytes = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return LLM_ERR_IO;
        struct stat st;
        if (fstat(fd, &st) != 0) {
            close(fd);
            return LLM_ERR_IO;
        }
        if (st.st_size == 0) {  // mmap rejects empty files; an empty mapping is still a valid answer
            close(fd);
            return LLM_OK;
        }
        void* addr = mmap(nullptr, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        close(fd);  // the mapping keeps the file alive
        if (addr == MAP_FAILED) return LLM_ERR_IO;
        *out_addr = addr;
        *out_bytes = (int64_t)st.st_size;
        return LLM_OK;
    });
}

void llm_file_unmap(void* addr, int64_t bytes) {
    llm::guarded([&] {
        if (addr != nullptr && bytes > 0) munmap(addr, (size_t)bytes);
    });
}

}  // extern "C"
