package dev.llmaccel.binding.cpu;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.presets.javacpp;
import org.bytedeco.openblas.presets.openblas_nolapack;

/**
 * JavaCPP configuration of the CPU library: the header it binds, the CMake-built
 * {@code libllmaccel.so} it links, and OpenBLAS from the {@code org.bytedeco:openblas} preset,
 * inherited so that the preset's own library is loaded (never a system BLAS).
 *
 * <p>Every binding class of this package inherits this configuration, so their JNI glue is
 * compiled into one library, {@code libjnillmaccel.so}.
 */
@Properties(
        inherit = {javacpp.class, openblas_nolapack.class},
        value = @Platform(
                value = "linux-x86_64",
                include = "llmaccel/llmaccel.h",
                link = "llmaccel",
                library = "jnillmaccel"))
public final class CpuLibrary {
    private CpuLibrary() {}
}
