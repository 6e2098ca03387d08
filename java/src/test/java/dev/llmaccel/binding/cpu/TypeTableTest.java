package dev.llmaccel.binding.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.binding.SourceTree;
import dev.llmaccel.format.gguf.GgmlType;
import dev.llmaccel.tensor.DType;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * DType is the one table of weight types; the C header's {@code enum llm_type}, the native traits
 * (weight_types.h) and the GGUF type table must agree with it. Checked here against the compiled
 * header and library (through the binding) and against the header's text, so that a type added on
 * one side only fails the build.
 */
class TypeTableTest {

    /** Every LLM_TYPE_NAME = value of common.h's enum llm_type, in order. */
    private static Map<String, Integer> headerTypes() {
        String text = SourceTree.withoutComments(
                SourceTree.read(SourceTree.root().resolve("native/include/llmaccel/common.h")));
        Matcher body = Pattern.compile("enum llm_type\\s*\\{([^}]*)\\}").matcher(text);
        assertTrue(body.find(), "common.h defines no enum llm_type");
        Map<String, Integer> types = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\bLLM_TYPE_(\\w+)\\s*=\\s*(\\d+)").matcher(body.group(1));
        while (m.find()) {
            types.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return types;
    }

    @Test
    void everyDTypeIsTheCompiledHeadersType() throws ReflectiveOperationException {
        for (DType t : DType.values()) {
            Method getter = CpuKernels.class.getMethod("LLM_TYPE_" + t.name());
            assertEquals(t.ggmlId(), (int) (Integer) getter.invoke(null), "LLM_TYPE_" + t.name());
        }
    }

    @Test
    void everyHeaderTypeIsADType() {
        Map<String, Integer> header = headerTypes();
        assertEquals(DType.values().length, header.size(), "enum llm_type has " + header.keySet());
        header.forEach((name, id) -> {
            DType t = DType.fromGgmlId(id);
            assertNotNull(t, "LLM_TYPE_" + name + " = " + id + " has no DType");
            assertEquals(name, t.name(), "the DType of id " + id);
        });
    }

    /** The native traits (weight_types.h) hold exactly DType's types, with DType's layouts. */
    @Test
    void theNativeTraitsAreDTypesLayouts() {
        for (int id = -1; id < 64; id++) {
            DType t = DType.fromGgmlId(id);
            assertEquals(t == null ? 0 : t.blockSize(), CpuKernels.llm_type_block_size(id), "block size of id " + id);
            assertEquals(t == null ? 0 : t.blockBytes(), CpuKernels.llm_type_block_bytes(id), "block bytes of id " + id);
        }
    }

    @Test
    void ggufRowsOfComputedTypesAreDTypes() {
        for (DType t : DType.values()) {
            GgmlType g = GgmlType.of(t);
            assertEquals(t.name(), g.name());
            assertEquals(t, g.dtype());
            assertEquals(t.blockSize(), g.blockSize(), t.name());
            assertEquals(t.blockBytes(), g.blockBytes(), t.name());
        }
        for (GgmlType g : GgmlType.values()) {
            assertEquals(g.dtype(), DType.fromGgmlId(g.id()), g.name());
        }
    }
}
