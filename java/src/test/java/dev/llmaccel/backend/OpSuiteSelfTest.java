package dev.llmaccel.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.FallbackTest.DecliningBackend;
import dev.llmaccel.backend.OpSuite.OpCase;
import dev.llmaccel.backend.OpSuite.Target;
import dev.llmaccel.tensor.Storage;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The op suite can fail, and where it should: its own check ({@link OpSuite#check}, the code every
 * case of {@link OpSuiteTest} goes through) against CPU backends whose softmax is broken at one
 * instruction-set level only (by a listener that damages the kernel's result after it ran, so no
 * test hook lives in the library), and against a backend that leaves an op to its fallback.
 */
class OpSuiteSelfTest {
    private static final int BROKEN = OpSuite.LEVELS.indexOf("avx2");

    /** The suite's softmax cases. */
    private static List<OpCase> softmaxCases() {
        List<OpCase> cases = OpSuiteTest.cases().stream().filter(c -> c.name().startsWith("softmax ")).toList();
        assertTrue(cases.size() >= 3, "softmax cases: " + cases.size());
        return cases;
    }

    /** A CPU backend whose softmax output gets damage applied when the kernels run at level BROKEN. */
    private static Backend brokenAtOneLevel(Consumer<Tensor> damage) {
        Backend cpu = Backends.cpu();
        cpu.setOpListener((call, nanos) -> {
            if (call.op() == Op.SOFTMAX && CpuBackend.simdLevel().equals(OpSuite.LEVELS.get(BROKEN))) {
                damage.accept(call.tensor(0));
            }
        });
        return cpu;
    }

    /**
     * Runs every softmax case through the suite's check at every level with the given damage;
     * returns, per level this CPU has, the failure messages (one per case that failed).
     */
    private static Map<String, List<String>> failuresPerLevel(Consumer<Tensor> damage) throws Throwable {
        Target.cpu(BROKEN, Backends::cpu).run(b -> null);  // aborts (skips the test) on a CPU without that level
        Backend reference = Backends.reference();
        Map<String, List<String>> failures = new TreeMap<>();
        for (int level = 0; level < OpSuite.LEVELS.size(); level++) {
            Target target = Target.cpu(level, () -> brokenAtOneLevel(damage));
            List<String> failed = new ArrayList<>();
            try {
                for (OpCase c : softmaxCases()) {
                    try {
                        OpSuite.check(target, c, OpSuite.run(reference, c));
                    } catch (AssertionFailedError e) {
                        failed.add(e.getMessage());
                    }
                }
            } catch (TestAbortedException e) {
                continue;  // a level this CPU lacks
            }
            failures.put(target.name(), failed);
        }
        return failures;
    }

    @Test
    void aKernelWrongAtOneLevelFailsTheSuiteAtThatLevelOnly() throws Throwable {
        Map<String, List<String>> failures = failuresPerLevel(out -> {
            float[] v = out.toFloatArray();
            v[v.length / 2] += 0.25f;
            out.copyFrom(v);
        });
        int cases = softmaxCases().size();
        for (Map.Entry<String, List<String>> e : failures.entrySet()) {
            boolean broken = e.getKey().equals("cpu " + OpSuite.LEVELS.get(BROKEN));
            assertEquals(broken ? cases : 0, e.getValue().size(), e.getKey() + ": " + e.getValue());
            e.getValue().forEach(m -> assertTrue(m.contains("relative error"), m));
        }
        assertTrue(failures.containsKey("cpu portable") && failures.containsKey("cpu avx2"), failures.toString());
    }

    @Test
    void aKernelWritingPastItsOutputAtOneLevelFailsTheSuiteAtThatLevelOnly() throws Throwable {
        Map<String, List<String>> failures = failuresPerLevel(out -> {
            Storage s = out.storage();
            long end = out.address() - s.address() + out.bytes();
            s.write(end, new byte[4]);  // 0.0f, one element past the end: the values themselves stay right
        });
        int cases = softmaxCases().size();
        for (Map.Entry<String, List<String>> e : failures.entrySet()) {
            boolean broken = e.getKey().equals("cpu " + OpSuite.LEVELS.get(BROKEN));
            assertEquals(broken ? cases : 0, e.getValue().size(), e.getKey() + ": " + e.getValue());
            e.getValue().forEach(m -> assertTrue(m.contains("(past its end)"), m));
        }
    }

    @Test
    void aWriteBeforeAnOutputFails() {
        Backend cpu = Backends.cpu();
        OpCase c = new OpCase("write before the start", 0, (b, r) -> {
            Tensor out = r.output(3, 5);
            Storage s = out.storage();
            s.write(out.address() - s.address() - 4, new byte[4]);
            out.copyFrom(new float[15]);
            return out.toFloatArray();
        });
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> OpSuite.run(cpu, c));
        assertTrue(e.getMessage().contains("element -1 (before its start)"), e.getMessage());
    }

    @Test
    void anOpLeftToTheFallbackIsReportedAsNotSupportedNotPassed() throws Throwable {
        Backend reference = Backends.reference();
        OpCase matmul = OpSuiteTest.cases().stream().filter(c -> c.name().equals("matmul Q4_0 n=5 k=512 m=7"))
                .findFirst().orElseThrow();
        float[] expected = OpSuite.run(reference, matmul);
        // The CPU runs it itself: a pass.
        OpSuite.check(Target.cpu(0, Backends::cpu), matmul, expected);
        // A backend that declines matmul gets the right result from its fallback, which the suite
        // must not count as the backend's pass.
        Target declining = new Target("declining", "declining", -1, () -> new DecliningBackend(Backends.cpu()));
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> OpSuite.check(declining, matmul, expected));
        assertTrue(e.getMessage().contains("MATMUL (it ran on cpu) not supported on declining"), e.getMessage());
    }
}
