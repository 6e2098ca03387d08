package dev.llmaccel.binding.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.binding.SourceTree;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Values that choose an op's variant cross JNI as the C header's named constants: the binding
 * reads them from the compiled header, and no Java enum's ordinal is passed instead.
 */
class HeaderConstantsTest {

    /** The value given to name in a header (NAME = value in an enum). */
    private static int headerValue(String header, String name) {
        String text = SourceTree.read(SourceTree.root().resolve("native/include/llmaccel").resolve(header));
        Matcher m = Pattern.compile("\\b" + name + "\\s*=\\s*(\\d+)").matcher(text);
        assertTrue(m.find(), name + " is not defined in " + header);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void theBindingReadsTheHeadersValues() {
        Map<String, IntSupplier> read = Map.of(
                "LLM_POOL_MEAN", CpuKernels::LLM_POOL_MEAN,
                "LLM_POOL_CLS", CpuKernels::LLM_POOL_CLS,
                "LLM_POOL_LAST", CpuKernels::LLM_POOL_LAST,
                "LLM_ROPE_NORMAL", CpuKernels::LLM_ROPE_NORMAL,
                "LLM_ROPE_NEOX", CpuKernels::LLM_ROPE_NEOX);
        read.forEach((name, value) -> assertEquals(headerValue("common.h", name), value.getAsInt(), name));
        assertTrue(CpuKernels.LLM_POOL_MEAN() != CpuKernels.LLM_POOL_CLS()
                && CpuKernels.LLM_POOL_CLS() != CpuKernels.LLM_POOL_LAST()
                && CpuKernels.LLM_POOL_MEAN() != CpuKernels.LLM_POOL_LAST(), "pool modes must differ");
        assertTrue(CpuKernels.LLM_ROPE_NORMAL() != CpuKernels.LLM_ROPE_NEOX(), "rope styles must differ");
    }

    /** Java code that calls the binding passes no ordinal: reordering an enum must not change a kernel's meaning. */
    @Test
    void noEnumOrdinalCrossesJni() {
        List<String> offenders = new ArrayList<>();
        for (Path f : SourceTree.files("java/src/main/java", ".java")) {
            String code = SourceTree.withoutComments(SourceTree.read(f));
            if (code.contains("import dev.llmaccel.binding.") && code.contains(".ordinal()")) {
                offenders.add(SourceTree.root().relativize(f).toString());
            }
        }
        assertEquals(List.of(), offenders, "these files call native code and use an enum's ordinal");
    }
}
