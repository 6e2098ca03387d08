/* llmaccel — elementwise ops and softmax. Outputs may alias their first input exactly. */
#ifndef LLMACCEL_ELEMENTWISE_H
#define LLMACCEL_ELEMENTWISE_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out = a + b; b has a's n * d values when full != 0, else b is one row (d) added to every row. */
int llm_add(float* out,       /* (n, d) */
            const float* a,   /* (n, d) */
            const float* b,   /* (n, d) or (d) */
            int64_t n, int64_t d, int full);

/* The elementwise family (out = f(inputs, scalars) element by element, all F32 of n elements, out
 * may alias any input exactly): the index of the kernel named name (an op's name in lower case,
 * "swiglu"), or -1 when this library has none. */
int llm_elementwise_find(const char* name);

/* Runs elementwise kernel `kernel` (from llm_elementwise_find) over n elements; inputs holds the
 * addresses of its n_inputs input arrays. LLM_ERR_UNSUPPORTED for an unknown kernel or counts of
 * inputs or scalars other than its own. */
int llm_elementwise(int kernel, float* out, const int64_t* inputs, int n_inputs, const float* scalars,
                    int n_scalars, int64_t n);

/* Softmax over each row. */
int llm_softmax(float* out,       /* (n, d) */
                const float* x,   /* (n, d) */
                int64_t n, int64_t d);

#ifdef __cplusplus
}
#endif

#endif
