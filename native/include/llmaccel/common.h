/*
 * llmaccel — the C ABI shared by every op family: status codes, weight types, host memory and
 * the CPU thread pool.
 *
 * Conventions for every function in these headers:
 *   - names are llm_<noun>_<verb>; output arguments come first;
 *   - every tensor argument carries a shape comment, row-major, last dimension contiguous;
 *   - Java validates shapes, types, ids and lengths before calling: native code trusts them and
 *     only reports what it cannot know in advance (allocation failures, device errors) through
 *     an llm_status return value. Nothing here aborts, exits or throws across the boundary.
 */
#ifndef LLMACCEL_COMMON_H
#define LLMACCEL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Status codes returned by every function that can fail. Every function runs inside one guard
 * that turns a C++ exception into the code of its kind (OUT_OF_MEMORY, INVALID_ARGUMENT,
 * INTERNAL, UNKNOWN), so none throws across this boundary; llm_error_detail says what it was.
 */
enum llm_status {
    LLM_OK = 0,
    LLM_ERR_OUT_OF_MEMORY = 1,     /* a host or device allocation failed (std::bad_alloc) */
    LLM_ERR_THREADS = 2,           /* the thread pool could not start a worker */
    LLM_ERR_UNSUPPORTED = 3,       /* this build or this CPU has no kernel for the request */
    LLM_ERR_IO = 4,                /* a file could not be opened or mapped */
    LLM_ERR_DEVICE = 5,            /* a device call failed; see the device's own error string */
    LLM_ERR_INVALID_ARGUMENT = 6,  /* an argument the Java checks let through (std::logic_error) */
    LLM_ERR_INTERNAL = 7,          /* the library failed (std::runtime_error, any other std::exception) */
    LLM_ERR_UNKNOWN = 8            /* something was thrown that is not a std::exception */
};

/* The message for a status code (a static string; "unknown status" for a code not above). */
const char* llm_status_string(int status);

/*
 * The what() of the last C++ exception that a function of this library turned into a status on
 * the calling thread: "" when its last call that returns a status threw nothing (truncated to
 * 255 bytes). Valid until the thread's next call.
 */
const char* llm_error_detail(void);

/*
 * Element types. The values are GGML's type ids so that GGUF tensors map without a table.
 * Block-quantized types store a row of k elements as k / block_size blocks.
 */
enum llm_type {
    LLM_TYPE_F32 = 0,
    LLM_TYPE_F16 = 1,
    LLM_TYPE_Q4_0 = 2,    /* 32 elements: f16 scale, 16 bytes of 4-bit values (offset 8) = 18 bytes */
    LLM_TYPE_Q4_1 = 3,    /* 32 elements: f16 scale, f16 min, 16 bytes of 4-bit values = 20 bytes */
    LLM_TYPE_Q5_0 = 6,    /* 32 elements: f16 scale, 4 bytes of high bits, 16 bytes of low nibbles = 22 bytes */
    LLM_TYPE_Q5_1 = 7,    /* 32 elements: f16 scale, f16 min, 4 bytes high bits, 16 bytes low nibbles = 24 bytes */
    LLM_TYPE_Q8_0 = 8,    /* 32 elements: f16 scale, 32 int8 values = 34 bytes */
    LLM_TYPE_Q4_K = 12,   /* 256 elements: 144 bytes */
    LLM_TYPE_Q5_K = 13,   /* 256 elements: 176 bytes */
    LLM_TYPE_Q6_K = 14,   /* 256 elements: 210 bytes */
    LLM_TYPE_BF16 = 30
};

/*
 * Elements per block and bytes per block of an llm_type (1 and the element's bytes for F32, F16
 * and BF16); 0 for an id that is no llm_type. The library's own table, for the binding's checks.
 */
int llm_type_block_size(int type);
int llm_type_block_bytes(int type);

/*
 * Values of the int arguments that choose a variant of an op. The Java binding reads these names
 * from this header (never restating the numbers), and both libraries take the same ones.
 */
enum llm_pool_mode {
    LLM_POOL_MEAN = 0,  /* mean over the tokens the mask keeps */
    LLM_POOL_CLS = 1,   /* the first token */
    LLM_POOL_LAST = 2   /* the last token the mask keeps */
};

enum llm_rope_style {
    LLM_ROPE_NORMAL = 0,  /* pairs dimensions (2i, 2i + 1) (GGML's "normal") */
    LLM_ROPE_NEOX = 1     /* pairs dimensions (i, i + rot_dims / 2) (GGML's "neox") */
};

/* Library version as MAJOR * 10000 + MINOR * 100 + PATCH. */
int llm_version(void);

/*
 * CPU features seen at run time (bit set): 1 = AVX2, 2 = FMA, 4 = F16C, 8 = AVX-512F,
 * 16 = AVX-512BW, 32 = AVX-512VL, 64 = AVX-512 VNNI, 128 = AVX-512 VBMI.
 * The kernels pick their AVX2/FMA/F16C paths from this, never from compile-time flags.
 */
int llm_cpu_features(void);

/* Forces the portable (non-SIMD) kernels when disable is non-zero: for tests of the fallback. */
void llm_cpu_simd_disable(int disable);

/*
 * Caps the instruction-set level of the kernels at max_level (0 = portable C++, 1 = AVX2/FMA/F16C,
 * 2 = AVX-512 F/BW/VL/VNNI/VBMI) so that tests can run every path this CPU has. A level the CPU
 * lacks is never used. Returns the level now in effect.
 */
int llm_cpu_simd_limit(int max_level);

/* The instruction-set level the kernels use now (0, 1 or 2 as above). */
int llm_cpu_simd_level(void);

/*
 * The name of the OpenBLAS kernel set that F32 products run on ("Haswell", "SkylakeX", ...), as
 * OpenBLAS chose it at load time from the CPU or from the OPENBLAS_CORETYPE environment variable.
 */
const char* llm_blas_core(void);

/* ---- host memory ---------------------------------------------------------------------------- */

/* Allocates bytes (64-byte aligned, uninitialised) into *out; LLM_ERR_OUT_OF_MEMORY on failure. */
int llm_host_alloc(void** out, int64_t bytes);

/* Frees what llm_host_alloc returned; NULL is ignored. */
void llm_host_free(void* ptr);

/* Bytes currently held by llm_host_alloc (for leak tests). */
int64_t llm_host_bytes_in_use(void);

/* Copies bytes between host addresses (non-overlapping). */
void llm_host_copy(void* dst, const void* src, int64_t bytes);

/* Sets bytes to value. */
void llm_host_fill(void* dst, int value, int64_t bytes);

/* ---- memory-mapped files ---------------------------------------------------------------------- */

/* Maps a whole file read-only: *out_addr, *out_bytes. LLM_ERR_IO when it cannot be opened or mapped. */
int llm_file_map(void** out_addr, int64_t* out_bytes, const char* path);

/* Unmaps what llm_file_map returned. */
void llm_file_unmap(void* addr, int64_t bytes);

/* ---- threads ---------------------------------------------------------------------------------- */

/*
 * Sets the number of threads every CPU kernel uses; n < 1 means one per core. OpenBLAS is kept
 * single-threaded and called from inside the library's own pool, so the two never oversubscribe.
 */
int llm_threads_set(int n);

/* The current number of threads. */
int llm_threads_get(void);

#ifdef __cplusplus
}
#endif

#endif /* LLMACCEL_COMMON_H */
