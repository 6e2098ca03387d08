package dev.llmaccel.backend;

import static dev.llmaccel.backend.TestData.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The ops whose rows a batch shares give each row the bits it gets alone, at every instruction-set
 * level of the CPU kernels: matmul (every weight type), paged attention and rope at positions. It
 * is what lets an engine that decodes many sequences together promise each one exactly the tokens
 * it gets alone. The rows go through in one call, then in calls of 1, 2, 3, 4, 5 and 7 rows, and
 * every result must be equal bit for bit.
 */
class BatchInvarianceTest {
    private static final int ROWS = 13;
    private static final int[] CHUNKS = {1, 2, 3, 4, 5, 7};

    @TestFactory
    Stream<DynamicNode> matmulRowsDoNotDependOnTheBatch() {
        return levels((level, cases) -> {
            for (DType t : DType.values()) {
                long[] ks = t.blockSize() == 1 ? new long[] {300, 1100} : t.blockSize() == 32 ? new long[] {224, 576}
                        : new long[] {512};
                for (long k : ks) {
                    cases.add(dynamicTest("matmul " + t + " k=" + k, () -> {
                        Assumptions.assumeTrue(t != DType.F32 || level == 2, "F32 weights below the AVX-512 level go"
                                + " to OpenBLAS, whose sums depend on the row count: not batch-invariant");
                        long m = 37;
                        try (Backend cpu = Backends.cpu();
                             Tensor x = Tensor.of(normal(40, (int) (ROWS * k), 1), ROWS, k);
                             Tensor w = Tensor.of(t, normal(41, (int) (m * k), 0.5), m, k);
                             Tensor all = Tensor.zeros(DType.F32, ROWS, m)) {
                            cpu.matmul(all, x, w);
                            float[] expected = all.toFloatArray();
                            for (int chunk : CHUNKS) {
                                float[] pieces = new float[expected.length];
                                for (int r0 = 0; r0 < ROWS; r0 += chunk) {
                                    int n = Math.min(chunk, ROWS - r0);
                                    try (Tensor xs = x.rows(r0, n); Tensor out = Tensor.zeros(DType.F32, n, m)) {
                                        cpu.matmul(out, xs, w);
                                        System.arraycopy(out.toFloatArray(), 0, pieces, (int) (r0 * m), (int) (n * m));
                                    }
                                }
                                assertArrayEquals(expected, pieces, t + " in calls of " + chunk + " rows");
                            }
                        }
                    }));
                }
            }
        });
    }

    @TestFactory
    Stream<DynamicNode> pagedAttentionRowsDoNotDependOnTheBatch() {
        return levels((level, cases) -> {
            for (int[] h : new int[][] {{1, 1}, {9, 3}, {8, 2}}) {
                cases.add(dynamicTest("paged attention heads=" + h[0] + "/" + h[1], () -> {
                    int blockSize = 16, hd = 64;
                    PagedAttentionParams p = OpSuiteTest.pagedBatch(blockSize, new Random(42));
                    int blocks = 3 * p.maxBlocks() + 7, n = p.rows();
                    int poolFloats = blocks * blockSize * h[1] * hd;
                    try (Backend cpu = Backends.cpu();
                         Tensor kPool = Tensor.of(normal(43, poolFloats, 1), blocks, h[1], hd, blockSize);
                         Tensor vPool = Tensor.of(normal(44, poolFloats, 1), blocks, h[1], blockSize, hd);
                         Tensor q = Tensor.of(normal(45, n * h[0] * hd, 1), n, h[0], hd);
                         Tensor all = Tensor.zeros(DType.F32, n, h[0], hd)) {
                        cpu.pagedAttention(all, q, kPool, vPool, p);
                        float[] expected = all.toFloatArray();
                        float[] alone = new float[expected.length];
                        int row = h[0] * hd;
                        for (int i = 0; i < n; i++) {
                            PagedAttentionParams one = new PagedAttentionParams(p.scale(), blockSize, p.blockTables(),
                                    p.maxBlocks(), new int[] {p.rowSequence()[i]}, new int[] {p.rowPosition()[i]});
                            try (Tensor qi = q.rows(i, 1); Tensor out = Tensor.zeros(DType.F32, 1, h[0], hd)) {
                                cpu.pagedAttention(out, qi, kPool, vPool, one);
                                System.arraycopy(out.toFloatArray(), 0, alone, i * row, row);
                            }
                        }
                        assertArrayEquals(expected, alone, "each row alone");
                    }
                }));
            }
        });
    }

    @TestFactory
    Stream<DynamicNode> ropeRowsDoNotDependOnTheBatch() {
        return levels((level, cases) -> cases.add(dynamicTest("rope rows", () -> {
            int heads = 3, hd = 64;
            int[] positions = new Random(46).ints(ROWS, 0, 5000).toArray();
            float[] values = normal(47, ROWS * heads * hd, 1);
            try (Backend cpu = Backends.cpu(); Tensor all = Tensor.of(values, ROWS, heads, hd)) {
                cpu.rope(all, positions, RopeParams.of(RopeStyle.NORMAL, 10_000));
                float[] expected = all.toFloatArray();
                float[] alone = new float[expected.length];
                for (int i = 0; i < ROWS; i++) {
                    float[] one = Arrays.copyOfRange(values, i * heads * hd, (i + 1) * heads * hd);
                    try (Tensor x = Tensor.of(one, 1, heads, hd)) {
                        cpu.rope(x, new int[] {positions[i]}, RopeParams.of(RopeStyle.NORMAL, 10_000));
                        System.arraycopy(x.toFloatArray(), 0, alone, i * heads * hd, heads * hd);
                    }
                }
                assertArrayEquals(expected, alone, "each row alone");
            }
        })));
    }

    interface LevelCases {
        void add(int level, List<DynamicNode> cases);
    }

    /** The cases of each level in a container of its own, run with the kernels capped at that level. */
    private static Stream<DynamicNode> levels(LevelCases make) {
        return IntStream.range(0, OpSuite.LEVELS.size()).mapToObj(level -> {
            List<DynamicNode> cases = new ArrayList<>();
            make.add(level, cases);
            return dynamicContainer(OpSuite.LEVELS.get(level), cases.stream().map(c -> atLevel(level, c)));
        });
    }

    private static DynamicNode atLevel(int level, DynamicNode node) {
        org.junit.jupiter.api.DynamicTest test = (org.junit.jupiter.api.DynamicTest) node;
        return dynamicTest(test.getDisplayName(), () -> OpSuite.Target.cpu(level, Backends::cpu).run(cpu -> {
            test.getExecutable().execute();
            return null;
        }));
    }
}
