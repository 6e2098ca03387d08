// Turns C++ exceptions into llm_status codes at the C boundary: nothing may unwind into the JVM.
#ifndef LLMACCEL_STATUS_H
#define LLMACCEL_STATUS_H

#include <new>

#include "llmaccel/common.h"

namespace llm {

// Runs body() and returns LLM_OK, or the status that matches what it threw.
template <class Body>
int guarded(Body&& body) {
    try {
        body();
        return LLM_OK;
    } catch (const std::bad_alloc&) {
        return LLM_ERR_OUT_OF_MEMORY;
    } catch (...) {
        return LLM_ERR_THREADS;
    }
}

}  // namespace llm

#endif
