package dev.llmaccel.backend;

import static dev.llmaccel.backend.TestData.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.llmaccel.binding.cpu.CpuRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The op suite's matmul, attention and elementwise cases on CpuBackend at every instruction-set level of the
 * kernels (portable C++, AVX2, AVX-512), so that each path is tested on a CPU that also has a higher one.
 * A level this CPU lacks shows as skipped. The largest shapes are left to the op suite, which runs
 * them at the CPU's own level: the paths and their edges (tails, tiles, rows) are the same.
 */
class SimdLevelsTest {

    static final String[] LEVELS = {"portable", "avx2", "avx512"};

    @Test
    void levelCapIsClampedAndNeverAboveTheCpu() {
        try (Backend cpu = Backends.cpu()) {
            int top = CpuRuntime.llm_cpu_simd_limit(99);
            assertTrue(top >= 0 && top < LEVELS.length, "top level " + top);
            assertEquals(0, CpuRuntime.llm_cpu_simd_limit(-7));
            assertEquals(Math.min(1, top), CpuRuntime.llm_cpu_simd_limit(1));
            assertEquals(top, CpuRuntime.llm_cpu_simd_limit(LEVELS.length - 1));
        } finally {
            CpuRuntime.llm_cpu_simd_limit(LEVELS.length - 1);
        }
    }

    @Test
    void simdLevelNamesTheLevelInEffect() {
        try (Backend cpu = Backends.cpu()) {
            int top = CpuRuntime.llm_cpu_simd_limit(LEVELS.length - 1);
            assertEquals(LEVELS[top], CpuBackend.simdLevel());
            CpuRuntime.llm_cpu_simd_limit(0);
            assertEquals("portable", CpuBackend.simdLevel());
            assertTrue(CpuBackend.describe().contains("kernels: portable"), CpuBackend.describe());
        } finally {
            CpuRuntime.llm_cpu_simd_limit(LEVELS.length - 1);
        }
    }

    @TestFactory
    Stream<DynamicNode> opsWithLevelledKernelsAtEveryLevel() {
        Backend reference = Backends.reference();
        List<OpSuiteTest.OpCase> cases = new ArrayList<>();
        OpSuiteTest.addMatmul(cases, 1 << 20);
        OpSuiteTest.addAttention(cases);
        OpSuiteTest.addPagedAttention(cases);
        OpSuiteTest.addElementwise(cases);
        return java.util.stream.IntStream.range(0, LEVELS.length).mapToObj(level -> dynamicContainer(LEVELS[level],
                cases.stream().map(c -> dynamicTest(c.name(), () -> {
                    try (Backend cpu = Backends.cpu()) {
                        int inEffect = CpuRuntime.llm_cpu_simd_limit(level);
                        try {
                            Assumptions.assumeTrue(inEffect == level, () -> "this CPU has no " + LEVELS[level] + " level");
                            float[] expected = c.run().apply(reference);
                            float[] actual = c.run().apply(cpu);
                            assertClose(actual, expected, c.bound(), LEVELS[level] + " " + c.name());
                        } finally {
                            CpuRuntime.llm_cpu_simd_limit(LEVELS.length - 1);
                        }
                    }
                }))));
    }
}
