// The dot-product kernels behind llm_matmul: one set per instruction-set level (portable C++,
// AVX2/FMA/F16C, AVX-512 with VNNI), all reading the activations in a prepared form.
//
// Quantized weights are multiplied the way GGUF runtimes do it: each activation row is quantized
// once to 8-bit blocks (32 values with an F32 scale for the 32-value formats, 256 values for the
// K-quants), each weight block is dotted with its activation block in integers, and the block
// sums are scaled and accumulated in F32. F16/BF16 weights are converted on the fly and dotted
// with the F32 activations.
#ifndef LLMACCEL_MATMUL_KERNELS_H
#define LLMACCEL_MATMUL_KERNELS_H

#include <cstdint>

#include "numeric_types.h"
#include "weight_types.h"

namespace llm {

// At most this many activation rows go through one kernel call: each weight block is unpacked
// once and used for all of them. A kernel may take fewer (DotKernel::max_rows).
constexpr int kMaxDotRows = 8;

// How a kernel wants the activations prepared.
struct XFormat {
    XKind kind;  // the weight type's kActivation (weight_types.h)
    // kQ8Block32 only:
    int offset;      // the weights' offset that corr pays for; 0: no corr array (see Q8Block32Row)
    int interleave;  // 1, 2 or 4: groups of this many blocks store all their values 0..15, block
                     // after block, then all their values 16..31 (the layout of unpacked nibbles);
                     // 1 is natural order. See interleave_group.
};

// The group of interleaved blocks that block b of a row of nb blocks belongs to (its first block
// and size): groups of `interleave` blocks from the row's start, then a pair and a single block
// for what is left. Block first + t of a group of size s keeps its values 0..15 at stored bytes
// 32·first + 16t and its values 16..31 at 32·first + 16s + 16t.
inline void interleave_group(int64_t b, int64_t nb, int interleave, int64_t* first, int* size) {
    const int64_t whole = nb - nb % interleave;
    if (b < whole) {
        *first = b - b % interleave;
        *size = interleave;
    } else if (nb - whole >= 2 && b < whole + 2) {
        *first = whole;
        *size = 2;
    } else {
        *first = b;
        *size = 1;
    }
}

// One prepared activation row of k values in the kQ8Block32 format, as arrays at 64-byte-aligned
// offsets of the row: q (k int8), corr (k / 4 int32, when offset != 0), d (k / 32 float: the
// block scales) and s (k / 32 float: d × Σq, for the weight types with a minimum).
//
// corr has a 32-bit lane for every 4 stored bytes. A kernel starts its integer sums from the
// lanes that line up with the first half of a group (the values 0..15 of its blocks); those hold
// -offset × Σ of their 4 values and of the 4 values 16 further on, the lanes of the second half
// hold 0. So unsigned weights stored with an offset need no correction in the kernel's loop.
struct Q8Block32Row {
    const int8_t* q;
    const int32_t* corr;
    const float* d;
    const float* s;
};

// Bytes of one prepared row (a multiple of 64) and the arrays inside it.
int64_t q8_block32_row_bytes(int64_t k, bool with_corr);
Q8Block32Row q8_block32_row(const char* row, int64_t k, bool with_corr);

// 256 activation values: x = d * q; bsums[j] = Σ q[16j .. 16j + 15].
struct BlockQ8K {
    float d;
    int16_t bsums[kQKK / 16];
    int8_t q[kQKK];
};
static_assert(sizeof(BlockQ8K) == 292, "Q8_K block");

// out[i * out_stride] = x_i · w for the nx (1 .. DotKernel::max_rows) prepared activation rows
// x_i = x + i * x_stride and one weight row w of k values.
using DotFn = void (*)(float* out, int64_t out_stride, const char* x, int64_t x_stride, int nx, const void* w,
                       int64_t k);

// A DotFn made from Kernel::run<NX>(out, out_stride, x, x_stride, w, k), with the row count a
// compile-time constant so that each kernel keeps its NX accumulators in registers; rows 1 ..
// MaxRows (4, or 8 for kernels with registers to spare).
template <class Kernel, int MaxRows = 4>
void dot_rows(float* out, int64_t out_stride, const char* x, int64_t x_stride, int nx, const void* w, int64_t k) {
    static_assert(MaxRows == 4 || MaxRows == 8, "dot_rows instantiates 1 .. 4 or 1 .. 8 rows");
    switch (nx) {
        case 1: Kernel::template run<1>(out, out_stride, x, x_stride, w, k); break;
        case 2: Kernel::template run<2>(out, out_stride, x, x_stride, w, k); break;
        case 3: Kernel::template run<3>(out, out_stride, x, x_stride, w, k); break;
        case 4: Kernel::template run<4>(out, out_stride, x, x_stride, w, k); break;
        default:
            if constexpr (MaxRows == 8) {
                switch (nx) {
                    case 5: Kernel::template run<5>(out, out_stride, x, x_stride, w, k); break;
                    case 6: Kernel::template run<6>(out, out_stride, x, x_stride, w, k); break;
                    case 7: Kernel::template run<7>(out, out_stride, x, x_stride, w, k); break;
                    default: Kernel::template run<8>(out, out_stride, x, x_stride, w, k); break;
                }
            }
            break;
    }
}

struct DotKernel {
    XFormat format;
    DotFn dot;         // nullptr: this level has no kernel of its own for the type
    int max_rows = 4;  // activation rows one call takes at most (the dot_rows instantiation's MaxRows)
};
static_assert(kMaxDotRows == 8, "the largest max_rows");

// Prepares one activation row of k values (row: k floats) into out in format f (not kF32).
// The portable definition is in matmul.cpp; prepare_row_avx2 gives the same bytes faster (the
// AVX-512 level uses it too).
using PrepareFn = void (*)(char* out, const float* row, int64_t k, const XFormat& f);
void prepare_row_avx2(char* out, const float* row, int64_t k, const XFormat& f);

// The kernel of each level for a weight type (any llm_type; F32 included), through
// visit_weight_type; dot == nullptr for an id that is no weight type.
DotKernel dot_kernel_portable(int type);
DotKernel dot_kernel_avx2(int type);
DotKernel dot_kernel_avx512(int type);

}  // namespace llm

#endif
