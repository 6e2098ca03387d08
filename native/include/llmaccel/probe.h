/* llmaccel — probes of the machine for benchmarks: the rooflines that kernels are held against. */
#ifndef LLMACCEL_PROBE_H
#define LLMACCEL_PROBE_H

#include "llmaccel/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Reads every byte of buffer once, split among the library's threads (llm_threads_set), with the
 * widest loads the CPU has, and writes a checksum of what it read to *sum_out so that no load can
 * be skipped. Timing it gives the read bandwidth a weight-streaming kernel can reach.
 */
int llm_probe_read(int64_t* sum_out,     /* (1) */
                   const void* buffer,   /* (bytes) */
                   int64_t bytes);

#ifdef __cplusplus
}
#endif

#endif
