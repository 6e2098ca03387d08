// Per-thread scratch buffers (scratch.h).
#include "scratch.h"

#include <cstdlib>
#include <new>

namespace llm {

char* scratch(ScratchUse use, int64_t bytes) {
    struct Buffer {
        void* data = nullptr;
        int64_t size = 0;
        ~Buffer() { std::free(data); }
    };
    thread_local Buffer buffers[kScratchUses];
    Buffer& buffer = buffers[use];
    if (buffer.size < bytes) {
        std::free(buffer.data);
        buffer.data = nullptr;
        buffer.size = 0;
        if (posix_memalign(&buffer.data, 64, (size_t)bytes) != 0) throw std::bad_alloc();
        buffer.size = bytes;
    }
    return static_cast<char*>(buffer.data);
}

}  // namespace llm
