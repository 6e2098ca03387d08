package dev.llmaccel.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufEdit;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.format.gguf.GgufTensorInfo;
import dev.llmaccel.format.gguf.GgufValueType;
import dev.llmaccel.format.gguf.GgufWriter;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metadata that disagrees with the tensors, or integers that do not fit, are format errors before
 * anything is sized by them (issue 14 items 3 and 4): never an OutOfMemoryError, never a model
 * that runs with fewer layers or a wrapped value.
 */
class LlamaValidationTest {
    @TempDir
    static Path dir;
    static Path good;
    static Backend cpu;

    @BeforeAll
    static void write() throws IOException {
        cpu = Backends.cpu();
        good = dir.resolve("good.gguf");
        RandomLlamaModel.write(good, new LlamaConfig("llama", 64, 96, 4, 4, 2, 16, 272, 32, 1e-5f,
                RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true), DType.F32, 7);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    static Path edit(String name, Map<String, GgufEdit.Value> replaced, Predicate<String> keep) throws IOException {
        return GgufEdit.copy(good, dir.resolve(name + ".gguf"), replaced, keep);
    }

    static Path edit(String name, String key, GgufValueType type, Object value) throws IOException {
        return GgufEdit.copy(good, dir.resolve(name + ".gguf"), key, type, value);
    }

    static ModelFormatException refused(Path file) throws IOException {
        try (GgufFile gguf = GgufFile.open(file)) {
            return assertThrows(ModelFormatException.class, () -> {
                try (LlamaModel m = LlamaModel.fromGguf(gguf, cpu)) {
                    m.config();
                }
            }, file.toString());
        }
    }

    @Test
    void theUneditedCopyLoads() throws IOException {
        try (GgufFile gguf = GgufFile.open(edit("copy", Map.of(), t -> true)); LlamaModel m = LlamaModel.fromGguf(gguf, cpu)) {
            assertEquals(4, m.config().layers());
        }
    }

    @Test
    void aHugeBlockCountIsAFormatErrorNotAnOutOfMemoryError() throws IOException {
        ModelFormatException e = refused(edit("huge-blocks", "llama.block_count", GgufValueType.UINT32, 0x7FFFFFFFL));
        assertTrue(e.getMessage().contains("llama.block_count is 2147483647, but the file holds tensors of 4 blocks"),
                e.getMessage());
    }

    @Test
    void aBlockCountThatLeavesBlocksUnusedIsRefused() throws IOException {
        ModelFormatException e = refused(edit("three-of-four", "llama.block_count", GgufValueType.UINT32, 3L));
        assertTrue(e.getMessage().contains("blocks 3 and up would go unused"), e.getMessage());
    }

    @Test
    void aMissingBlockIsRefused() throws IOException {
        ModelFormatException e = refused(edit("no-block-2", Map.of(), t -> !t.startsWith("blk.2.")));
        assertTrue(e.getMessage().contains("holds tensors of 3 blocks (numbered up to blk.3)"), e.getMessage());
    }

    @Test
    void aTensorTheModelDoesNotReadIsRefused() throws IOException {
        Path file = dir.resolve("extra.gguf");
        try (GgufFile in = GgufFile.open(good); GgufWriter w = GgufWriter.create(file)) {
            for (String key : in.keys()) {
                if (key.equals("general.alignment")) {
                    continue;
                }
                w.putValue(key, in.typeOf(key), in.typeOf(key) == GgufValueType.ARRAY ? in.getArray(key) : in.get(key));
            }
            for (GgufTensorInfo t : in.tensors()) {
                w.addTensor(t.name(), in.tensor(t.name()));
            }
            w.addTensor("blk.1.attn_q.bias", DType.F32, new long[] {64}, out -> out.write(new byte[64 * 4]));
        }
        ModelFormatException e = refused(file);
        assertTrue(e.getMessage().contains("1 of its 39 tensors are not used") && e.getMessage().contains("blk.1.attn_q.bias"),
                e.getMessage());
    }

    @Test
    void integersThatWrapInAnIntAreRefused() throws IOException {
        long wraps = (1L << 32) + 4;  // (int) gives 4: a valid-looking value
        for (String key : new String[] {"llama.attention.head_count_kv", "llama.attention.key_length",
                "llama.rope.dimension_count", "llama.context_length"}) {
            ModelFormatException e = refused(edit("wraps-" + key, key, GgufValueType.UINT64, wraps));
            assertTrue(e.getMessage().contains(key) && e.getMessage().contains("4294967300"), e.getMessage());
        }
        ModelFormatException e = refused(edit("kv-above-heads", "llama.attention.head_count_kv", GgufValueType.UINT32, 8L));
        assertTrue(e.getMessage().contains("outside [1, 4]"), e.getMessage());
    }

    @Test
    void checkTensorsRefusesNanWeightsAndWithoutItSamplingDoes() throws IOException {
        Path nan = dir.resolve("nan-norm.gguf");
        java.nio.file.Files.copy(good, nan);
        GgufEdit.fill(nan, "output_norm.weight", Float.NaN);
        try (GgufFile gguf = GgufFile.open(nan)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaModel.fromGguf(gguf, cpu, true));
            assertTrue(e.getMessage().contains("tensor output_norm.weight holds NaN at element 0"), e.getMessage());
            try (LlamaModel m = LlamaModel.fromGguf(gguf, cpu); LlamaSession s = m.newSession(16)) {
                dev.llmaccel.tensor.Tensor logits = s.forward(1, 2, 3);
                IllegalStateException nanLogits = assertThrows(IllegalStateException.class,
                        () -> cpu.sample(logits, dev.llmaccel.backend.SamplingParams.greedy(), new int[0], 0));
                assertTrue(nanLogits.getMessage().startsWith("logits contain NaN"), nanLogits.getMessage());
            }
        }
        try (GgufFile gguf = GgufFile.open(good); LlamaModel m = LlamaModel.fromGguf(gguf, cpu, true)) {
            assertEquals(4, m.config().layers());
        }
    }
}
