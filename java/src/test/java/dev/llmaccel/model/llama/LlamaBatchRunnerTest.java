package dev.llmaccel.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The batched forward pass over a paged cache: it computes what a {@link LlamaSession} computes,
 * and a sequence's logits do not depend (not in one bit) on the other sequences of its batches or
 * on how its prompt was cut into chunks.
 */
class LlamaBatchRunnerTest {
    private static final int BLOCK = 4;
    private static final LlamaConfig CONFIG = new LlamaConfig("llama", 64, 96, 2, 6, 2, 16, 272, 64, 1e-5f,
            RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true);
    private static final int[][] PROMPTS = {{1, 200, 5, 33, 271, 40, 40, 9, 0, 61, 12}, {1, 7}, {1, 9, 9, 9, 100, 3, 17}};

    @TempDir
    static Path dir;
    static Backend cpu;

    @BeforeAll
    static void backend() {
        cpu = Backends.cpu();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static LlamaModel open(DType type, List<AutoCloseable> toClose) throws IOException {
        Path file = dir.resolve("runner-" + type + ".gguf");
        if (!file.toFile().exists()) {
            RandomLlamaModel.write(file, CONFIG, type, 7);
        }
        GgufFile gguf = GgufFile.open(file);
        toClose.add(gguf);
        LlamaModel model = LlamaModel.fromGguf(gguf, cpu);
        toClose.add(0, model);
        return model;
    }

    /** Sequence s owns blocks s * 16 .. s * 16 + 15 (scattered: reversed), enough for the context. */
    private static int[] tables(int sequences) {
        int[] t = new int[sequences * 16];
        for (int s = 0; s < sequences; s++) {
            for (int b = 0; b < 16; b++) {
                t[s * 16 + b] = s * 16 + 15 - b;
            }
        }
        return t;
    }

    /**
     * Runs the prompts together, chunk tokens per sequence per pass, and returns each prompt's
     * last logits (as they come: each sequence's final chunk may end in a different pass).
     */
    private static float[][] runTogether(LlamaBatchRunner runner, int[][] prompts, int[] sequenceIds, int chunk) {
        float[][] out = new float[prompts.length][];
        int[] done = new int[prompts.length];
        int sequences = Arrays.stream(sequenceIds).max().getAsInt() + 1;
        while (Arrays.stream(out).anyMatch(o -> o == null)) {
            List<Integer> tokens = new ArrayList<>(), seqs = new ArrayList<>(), pos = new ArrayList<>();
            List<Integer> logitRows = new ArrayList<>(), logitOwners = new ArrayList<>();
            for (int p = 0; p < prompts.length; p++) {
                int n = Math.min(chunk, prompts[p].length - done[p]);
                for (int i = 0; i < n; i++) {
                    tokens.add(prompts[p][done[p] + i]);
                    seqs.add(sequenceIds[p]);
                    pos.add(done[p] + i);
                }
                done[p] += n;
                if (n > 0 && done[p] == prompts[p].length) {
                    logitRows.add(tokens.size() - 1);
                    logitOwners.add(p);
                }
            }
            TokenBatch batch = new TokenBatch(ints(tokens), ints(seqs), ints(pos), tables(sequences), 16, ints(logitRows));
            try (Tensor logits = runner.forward(batch)) {
                float[] all = logits.toFloatArray();
                int vocab = CONFIG.vocabSize();
                for (int i = 0; i < logitOwners.size(); i++) {
                    out[logitOwners.get(i)] = Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
                }
            }
        }
        return out;
    }

    private static int[] ints(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).toArray();
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "Q8_0", "Q4_0", "F16"})
    void batchedPromptsGiveTheLogitsOfASession(DType type) throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try {
            LlamaModel model = open(type, open);
            try (LlamaBatchRunner runner = model.newBatchRunner(64, BLOCK, 32, 4)) {
                float[][] batched = runTogether(runner, PROMPTS, new int[] {0, 1, 2}, 5);
                for (int p = 0; p < PROMPTS.length; p++) {
                    try (LlamaSession s = model.newSession(CONFIG.contextLength())) {
                        ModelChecks.assertClose(s.forward(PROMPTS[p]).toFloatArray(), batched[p], 1e-5, type + " prompt " + p);
                    }
                }
            }
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "Q8_0", "Q4_0", "F16"})
    void aSequencesLogitsDoNotDependOnItsBatchOrItsChunks(DType type) throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try {
            LlamaModel model = open(type, open);
            try (LlamaBatchRunner runner = model.newBatchRunner(64, BLOCK, 40, 4)) {
                for (int p = 0; p < PROMPTS.length; p++) {
                    float[] alone = runTogether(runner, new int[][] {PROMPTS[p]}, new int[] {0}, 64)[0];
                    for (int chunk : new int[] {1, 3, 5, 64}) {
                        float[][] together = runTogether(runner, PROMPTS, new int[] {0, 1, 2}, chunk);
                        assertArrayEquals(alone, together[p], type + " prompt " + p + " with the others, chunks of " + chunk);
                    }
                }
            }
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }

    @Test
    void badBatchesAreRejectedBeforeAnyKernel() throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try {
            LlamaModel model = open(DType.F32, open);
            try (LlamaBatchRunner runner = model.newBatchRunner(16, BLOCK, 4, 2)) {
                int[] table = {0, 1, 2, 3};
                assertThrows(IllegalArgumentException.class, () -> runner.forward(
                        new TokenBatch(new int[5], new int[5], new int[] {0, 1, 2, 3, 4}, table, 4, new int[0])), "too many rows");
                assertThrows(IllegalArgumentException.class, () -> runner.forward(
                        new TokenBatch(new int[3], new int[3], new int[] {0, 1, 2}, table, 4, new int[] {0, 1, 2})),
                        "too many logit rows");
                assertThrows(IndexOutOfBoundsException.class, () -> runner.forward(
                        new TokenBatch(new int[] {272}, new int[1], new int[1], table, 4, new int[] {0})), "token id");
                assertThrows(IndexOutOfBoundsException.class, () -> runner.forward(
                        new TokenBatch(new int[1], new int[1], new int[] {4}, new int[] {0, 16, 2, 3}, 4, new int[] {0})),
                        "block id outside the cache");
                assertThrows(IndexOutOfBoundsException.class, () -> runner.forward(
                        new TokenBatch(new int[1], new int[] {1}, new int[1], table, 4, new int[] {0})), "no such sequence");
                assertThrows(IndexOutOfBoundsException.class, () -> new TokenBatch(new int[1], new int[1], new int[1], table, 4,
                        new int[] {1}), "logit row");
                assertThrows(IllegalArgumentException.class, () -> runner.forward(
                        new TokenBatch(new int[2], new int[2], new int[] {3, 3}, table, 4, new int[0])), "two rows, one slot");
                assertThrows(IllegalArgumentException.class, () -> model.newBatchRunner(0, BLOCK, 4, 2));
                // after the rejections, the runner still works
                try (Tensor logits = runner.forward(new TokenBatch(new int[] {1}, new int[1], new int[1], table, 4,
                        new int[] {0}))) {
                    assertEquals(CONFIG.vocabSize(), logits.dim(1));
                }
            }
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }
}
