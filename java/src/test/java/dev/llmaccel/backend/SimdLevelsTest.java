package dev.llmaccel.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.binding.cpu.CpuRuntime;
import org.junit.jupiter.api.Test;

/**
 * The cap on the CPU kernels' instruction-set level, which the op suite sets to run every case at
 * every level (see {@link OpSuite.Target}).
 */
class SimdLevelsTest {

    static final int TOP = OpSuite.LEVELS.size() - 1;

    @Test
    void levelCapIsClampedAndNeverAboveTheCpu() {
        try (Backend cpu = Backends.cpu()) {
            int top = CpuRuntime.llm_cpu_simd_limit(99);
            assertTrue(top >= 0 && top <= TOP, "top level " + top);
            assertEquals(0, CpuRuntime.llm_cpu_simd_limit(-7));
            assertEquals(Math.min(1, top), CpuRuntime.llm_cpu_simd_limit(1));
            assertEquals(top, CpuRuntime.llm_cpu_simd_limit(TOP));
        } finally {
            CpuRuntime.llm_cpu_simd_limit(TOP);
        }
    }

    @Test
    void simdLevelNamesTheLevelInEffect() {
        try (Backend cpu = Backends.cpu()) {
            int top = CpuRuntime.llm_cpu_simd_limit(TOP);
            assertEquals(OpSuite.LEVELS.get(top), CpuBackend.simdLevel());
            CpuRuntime.llm_cpu_simd_limit(0);
            assertEquals("portable", CpuBackend.simdLevel());
            assertTrue(CpuBackend.describe().contains("kernels: portable"), CpuBackend.describe());
        } finally {
            CpuRuntime.llm_cpu_simd_limit(TOP);
        }
    }
}
