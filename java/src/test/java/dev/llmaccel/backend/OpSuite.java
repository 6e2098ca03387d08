package dev.llmaccel.backend;

import static dev.llmaccel.backend.TestData.assertClose;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmaccel.binding.cpu.CpuRuntime;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;

/**
 * The op suite's machinery, shared by every case of {@link OpSuiteTest}: where a case runs (a
 * {@link Target}: a backend and, for the CPU, one instruction-set level of its kernels), the
 * guards around its outputs ({@link Run}) and the one check a case goes through at every target
 * ({@link #check}).
 */
final class OpSuite {
    private OpSuite() {}

    /** Instruction-set levels of the CPU kernels, lowest first; the index is the native level number. */
    static final List<String> LEVELS = List.of("portable", "avx2", "avx512");

    /**
     * One case: runs an op on a backend with inputs made from fixed seeds and returns the output.
     * Its outputs come from the run's {@link Run#output} or {@link Run#inPlace}, so they are guarded.
     */
    record OpCase(String name, double bound, BiFunction<Backend, Run, float[]> run) {}

    /**
     * Where cases run: the backend {@code open} makes, at CPU level {@code level} (or -1: the
     * backend's own choice, for backends other than the CPU).
     */
    record Target(String name, String backend, int level, Supplier<Backend> open) {

        /** What runs at a target. */
        interface Body<T> {
            T apply(Backend backend) throws Throwable;
        }

        /** The CPU backend at one level of its kernels. */
        static Target cpu(int level, Supplier<Backend> open) {
            return new Target("cpu " + LEVELS.get(level), "cpu", level, open);
        }

        /**
         * The CPU at every level of {@link #LEVELS} (a level this CPU lacks skips when run), then the
         * other native backends (CUDA, skipping where no usable GPU is present), as
         * {@link TestBackends#nativeNames()} selects them.
         */
        static List<Target> all() {
            List<Target> targets = new ArrayList<>();
            for (String name : TestBackends.nativeNames()) {
                if (name.equals("cpu")) {
                    for (int level = 0; level < LEVELS.size(); level++) {
                        targets.add(cpu(level, Backends::cpu));
                    }
                } else {
                    targets.add(new Target(name, name, -1, () -> Backends.named(name)));
                }
            }
            return targets;
        }

        /**
         * Runs body on this target's backend with its level in effect (restored afterwards); aborts
         * (a visible skip) when the backend is absent or the CPU lacks the level.
         */
        <T> T run(Body<T> body) throws Throwable {
            String missing = TestBackends.unavailableReason(backend);
            Assumptions.assumeTrue(missing == null, () -> name + " not available: " + missing);
            try (Backend b = open.get()) {  // opening the CPU backend loads the native library
                if (level < 0) {
                    return body.apply(b);
                }
                int before = CpuRuntime.llm_cpu_simd_level();
                try {
                    int inEffect = CpuRuntime.llm_cpu_simd_limit(level);
                    Assumptions.assumeTrue(inEffect == level, () -> "this CPU has no " + LEVELS.get(level) + " level");
                    return body.apply(b);
                } finally {
                    CpuRuntime.llm_cpu_simd_limit(before);
                }
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * The suite's check of one case at one target: its output within the case's bound of expected
     * (no NaN where expected is finite), no write outside its outputs; a case whose op ran on the
     * target's fallback instead of the target aborts as "not supported on" the target.
     */
    static void check(Target target, OpCase c, float[] expected) throws Throwable {
        try (Inputs inputs = new Inputs()) {
            check(target, c, inputs, expected);
        }
    }

    /** {@link #check(Target, OpCase, float[])} on inputs made once for all of c's targets. */
    static void check(Target target, OpCase c, Inputs inputs, float[] expected) throws Throwable {
        target.run(b -> {
            float[] actual = run(b, c, inputs);
            assertClose(actual, expected, c.bound(), target.name() + " " + c.name());
            return null;
        });
    }

    /**
     * Runs c on b with guarded outputs and returns its output: fails when it wrote past an
     * output, aborts when one of its ops ran on b's fallback (so it tested the fallback, not b).
     */
    static float[] run(Backend b, OpCase c) {
        try (Inputs inputs = new Inputs()) {
            return run(b, c, inputs);
        }
    }

    /** {@link #run(Backend, OpCase)} on inputs made once for all of c's runs. */
    static float[] run(Backend b, OpCase c, Inputs inputs) {
        Set<String> fellBack = new LinkedHashSet<>();
        OpListener outer = b.opListener();
        b.setOpListener(new OpListener() {
            @Override
            public void started(OpCall call) {
                if (outer != null) {
                    outer.started(call);
                }
            }

            @Override
            public void finished(OpCall call, long nanos) {
                if (call.fallback() != null) {
                    fellBack.add(call.op() + " (it ran on " + call.fallback().name() + ")");
                }
                if (outer != null) {
                    outer.finished(call, nanos);
                }
            }
        });
        try (Run r = new Run(b, inputs)) {
            float[] out = c.run().apply(b, r);
            r.checkGuards(b.name() + " " + c.name());
            if (!fellBack.isEmpty()) {
                Assumptions.abort(String.join(", ", fellBack) + " not supported on " + b.name());
            }
            return out;
        } finally {
            b.setOpListener(outer);
        }
    }

    /**
     * One case at every target: its inputs, made once (seeded random values, quantized: the
     * costly part of a case), and the reference's output, computed once.
     */
    static final class CaseRuns implements AutoCloseable {
        private final OpCase c;
        private final Backend reference;
        private final Inputs inputs = new Inputs();
        private float[] expected;

        CaseRuns(OpCase c, Backend reference) {
            this.c = c;
            this.reference = reference;
        }

        /** The suite's check of the case at target. */
        void check(Target target) throws Throwable {
            if (expected == null) {
                expected = run(reference, c, inputs);
            }
            OpSuite.check(target, c, inputs, expected);
        }

        @Override
        public void close() {
            inputs.close();
        }
    }

    /** Host tensors of seeded random values, each made once and shared by the runs that ask for it. */
    static final class Inputs implements AutoCloseable {
        private final Map<String, Tensor> made = new HashMap<>();

        /** n values from normal(seed, n, scale) as a host tensor of type and shape (n their product). */
        Tensor host(DType type, long seed, double scale, long[] shape) {
            String key = type + " " + seed + " " + scale + " " + Arrays.toString(shape);
            return made.computeIfAbsent(key, k -> {
                long n = 1;
                for (long d : shape) {
                    n *= d;
                }
                return Tensor.of(type, TestData.normal(seed, Math.toIntExact(n), scale), shape);
            });
        }

        @Override
        public void close() {
            made.values().forEach(Tensor::close);
            made.clear();
        }
    }

    /**
     * The outputs of one run of a case on one backend, each between two guards of {@link #GUARD}
     * sentinel elements; an output starts as NaN, so an element the kernel leaves unwritten fails,
     * and a guard that changed is a write past the output.
     */
    static final class Run implements AutoCloseable {
        /** Guard elements on each side: more than one AVX-512 vector, and 64 bytes keep the output's alignment. */
        static final int GUARD = 16;

        /** The guards' bit pattern: a NaN no kernel computes (a kernel's NaN is 0x7fc00000). */
        static final int SENTINEL = 0xFFA5A5A5;

        private final Backend backend;
        private final Inputs inputs;
        private final List<Tensor> guarded = new ArrayList<>();  // each output with its guards
        private final List<Long> sizes = new ArrayList<>();  // elements of each output

        Run(Backend backend, Inputs inputs) {
            this.backend = backend;
            this.inputs = inputs;
        }

        /**
         * An input of type and shape on the run's backend holding normal(seed, elements, scale)
         * (quantized if need be); the caller closes it (a host input is a view of the shared one).
         */
        Tensor input(DType type, long seed, double scale, long... shape) {
            Tensor host = inputs.host(type, seed, scale, shape);
            return backend.device() == Device.CPU ? host.view(shape) : backend.upload(host);
        }

        /** An F32 output of this shape on the run's backend, all NaN, between guards. */
        Tensor output(long... shape) {
            return guarded(null, shape);
        }

        /** An F32 tensor an op writes in place, holding values, between guards. */
        Tensor inPlace(float[] values, long... shape) {
            return guarded(values, shape);
        }

        private Tensor guarded(float[] values, long[] shape) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(4 * (n + 2 * GUARD))).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < n + 2 * GUARD; i++) {
                long inside = i - GUARD;
                boolean guard = inside < 0 || inside >= n;
                bytes.putInt(guard ? SENTINEL : Float.floatToRawIntBits(values == null ? Float.NaN : values[(int) inside]));
            }
            Tensor host = Tensor.ofBytes(DType.F32, bytes.array(), n + 2 * GUARD);
            Tensor all = backend.upload(host);
            if (all != host) {
                host.close();
            }
            guarded.add(all);
            sizes.add(n);
            return all.rows(GUARD, n).view(shape);
        }

        /** Fails if a kernel wrote into the guards of any output. */
        void checkGuards(String what) {
            for (int t = 0; t < guarded.size(); t++) {
                long n = sizes.get(t);
                ByteBuffer bytes = ByteBuffer.wrap(guarded.get(t).toBytes()).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < n + 2 * GUARD; i++) {
                    long inside = i - GUARD;
                    int bits = bytes.getInt((int) (4 * i));
                    if ((inside < 0 || inside >= n) && bits != SENTINEL) {
                        fail(what + ": output " + t + " of " + n + " elements was written at element " + inside
                                + (inside < 0 ? " (before its start)" : " (past its end)") + ": "
                                + Float.intBitsToFloat(bits));
                    }
                }
            }
        }

        @Override
        public void close() {
            for (Tensor t : guarded) {
                t.close();
            }
        }
    }
}
