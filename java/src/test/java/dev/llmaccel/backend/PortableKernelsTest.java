package dev.llmaccel.backend;

import static dev.llmaccel.backend.TestData.assertClose;
import static dev.llmaccel.backend.TestData.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.llmaccel.binding.cpu.CpuRuntime;
import dev.llmaccel.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The portable (non-SIMD) CPU kernels, which run on CPUs without AVX2/FMA/F16C: the op suite's
 * cases of the attention, norm, rope and elementwise families, and sampling, with the SIMD paths
 * capped at the portable level (llm_cpu_simd_limit(0)), against ReferenceBackend.
 */
class PortableKernelsTest {
    private static final List<String> FAMILIES = List.of("attention", "rmsnorm", "layernorm", "rope", "swiglu", "gelu",
            "add", "softmax");

    @BeforeAll
    static void portable() {
        CpuRuntime.load();
        CpuRuntime.llm_cpu_simd_limit(0);
    }

    @AfterAll
    static void simd() {
        CpuRuntime.llm_cpu_simd_limit(SimdLevelsTest.LEVELS.length - 1);
    }

    @TestFactory
    Stream<DynamicTest> opsAgainstReference() {
        Backend reference = Backends.reference();
        Backend cpu = Backends.cpu();
        return OpSuiteTest.cases().stream()
                .filter(c -> FAMILIES.contains(c.name().split(" ")[0]))
                .map(c -> dynamicTest("portable " + c.name(), () -> {
                    float[] expected = c.run().apply(reference);
                    float[] actual = c.run().apply(cpu);
                    assertClose(actual, expected, c.bound(), "portable " + c.name());
                }));
    }

    @TestFactory
    Stream<DynamicTest> samplingAgainstReference() {
        Backend reference = Backends.reference();
        Backend cpu = Backends.cpu();
        List<SamplingParams> settings = List.of(
                SamplingParams.greedy(),
                SamplingParams.ofTemperature(0.7f).withTopK(40),
                SamplingParams.ofTemperature(1.3f).withTopP(0.9f),
                SamplingParams.ofTemperature(1f).withMinP(0.05f),
                SamplingParams.ofTemperature(1f).withPenalties(1.3f, 0.2f, 0.5f).withLogitBias(Map.of(3, 4f)));
        return settings.stream().flatMap(s -> Stream.of(7, 1000, 128_256).map(vocab ->
                dynamicTest("portable sample vocab=" + vocab + " " + s, () -> {
                    try (Tensor logits = Tensor.of(normal(40 + vocab, vocab, 3), vocab)) {
                        Random r = new Random(41);
                        int[] recent = {0, 1, 1, 5, vocab - 1};
                        for (int draw = 0; draw < 20; draw++) {
                            double u = r.nextDouble();
                            assertEquals(reference.sample(logits, s, recent, u), cpu.sample(logits, s, recent, u),
                                    "draw " + draw + " u=" + u);
                        }
                    }
                })));
    }
}
