// The paged attention block kernels of paged_attention_block.h at the AVX512 level (16 lanes);
// this file alone is compiled with that instruction set.
#include "paged_attention_block.h"

namespace llm {

const PagedBlockKernels& paged_block_kernels_avx512() {
    static constexpr PagedBlockKernels kernels = PagedBlock<16>::kernels();
    return kernels;
}

}  // namespace llm
