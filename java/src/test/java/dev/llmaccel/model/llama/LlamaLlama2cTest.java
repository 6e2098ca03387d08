package dev.llmaccel.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forward pass on tiny random-weight llama2.c checkpoints (GQA, shared and separate classifier). */
class LlamaLlama2cTest {
    @TempDir
    Path dir;

    private static final int[] TOKENS = {1, 17, 5, 33, 2, 40, 40, 9, 0, 61, 12, 7, 3};

    @Test
    void decodeAfterPrefillEqualsFullRecompute() throws IOException {
        Path file = Llama2cWriter.write(dir.resolve("gqa.bin"), 48, 80, 3, 6, 2, 64, 32, false, 1);
        try (Backend cpu = Backends.cpu(); LlamaModel model = LlamaModel.fromLlama2c(file, cpu)) {
            assertEquals(2, model.config().kvHeads());
            assertFalse(model.config().tiedOutput());
            ModelChecks.decodeMatchesRecompute(model, TOKENS, 5);
            ModelChecks.batchSizeDoesNotMatter(model, TOKENS);
        }
    }

    @Test
    void cpuMatchesReference() throws IOException {
        Path file = Llama2cWriter.write(dir.resolve("tied.bin"), 32, 64, 2, 4, 4, 50, 16, true, 2);
        try (Backend cpu = Backends.cpu(); Backend ref = Backends.reference();
             LlamaModel a = LlamaModel.fromLlama2c(file, cpu); LlamaModel b = LlamaModel.fromLlama2c(file, ref)) {
            assertTrue(a.config().tiedOutput());
            ModelChecks.sameLogits(a, b, new int[] {1, 4, 9, 16, 25, 36, 49, 0}, 1e-4);
        }
    }

    @Test
    void sessionStateAndBadInputs() throws IOException {
        Path file = Llama2cWriter.write(dir.resolve("s.bin"), 32, 64, 2, 4, 2, 50, 8, true, 3);
        try (Backend cpu = Backends.cpu(); LlamaModel model = LlamaModel.fromLlama2c(file, cpu)) {
            assertThrows(IllegalArgumentException.class, () -> model.newSession(9));
            assertThrows(IllegalArgumentException.class, () -> model.newSession(0));
            assertThrows(IllegalArgumentException.class, () -> model.newSession(4, 0));
            LlamaSession s = model.newSession(8);
            float[] first = s.forward(1, 2, 3).toFloatArray();
            assertEquals(3, s.length());
            assertArrayEquals(new int[] {1, 2, 3}, s.tokens());
            assertThrows(IndexOutOfBoundsException.class, () -> s.forward(4, 50));
            assertThrows(IndexOutOfBoundsException.class, () -> s.forward(-1));
            assertThrows(IllegalArgumentException.class, () -> s.forward());
            assertThrows(NullPointerException.class, () -> s.forward((int[]) null));
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> s.forward(1, 2, 3, 4, 5, 6));
            assertTrue(full.getMessage().contains("context full"), full.getMessage());
            assertEquals(3, s.length());  // nothing changed by the refused calls
            s.forward(4, 5, 6, 7, 8);
            assertEquals(0, s.remaining());
            assertThrows(IllegalStateException.class, () -> s.forward(1));
            // rewind and redo: the same logits as the first time
            s.truncate(2);
            ModelChecks.assertClose(first, s.forward(3).toFloatArray(), 1e-5, "after a rewind");
            assertThrows(IllegalArgumentException.class, () -> s.truncate(4));
            s.clear();
            assertEquals(0, s.length());
            s.close();
            s.close();
            assertThrows(IllegalStateException.class, () -> s.forward(1));
        }
    }

    @Test
    void malformedCheckpoints() throws IOException {
        Path good = Llama2cWriter.write(dir.resolve("g.bin"), 32, 64, 2, 4, 2, 50, 8, false, 4);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve("t.bin"), Arrays.copyOf(bytes, bytes.length - 4));
        Path header = Files.write(dir.resolve("h.bin"), Arrays.copyOf(bytes, 20));
        byte[] badHeads = bytes.clone();
        badHeads[12] = 5;  // 5 heads do not divide dim 32
        Path heads = Files.write(dir.resolve("n.bin"), badHeads);
        try (Backend cpu = Backends.cpu()) {
            for (Path p : new Path[] {truncated, header, heads}) {
                ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaModel.fromLlama2c(p, cpu));
                assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            }
            assertThrows(IOException.class, () -> LlamaModel.fromLlama2c(dir.resolve("absent.bin"), cpu));
            assertThrows(NullPointerException.class, () -> LlamaModel.fromLlama2c(null, cpu));
        }
    }

    @Test
    void forwardAllReturnsEveryRow() throws IOException {
        Path file = Llama2cWriter.write(dir.resolve("a.bin"), 32, 64, 2, 4, 2, 50, 16, true, 5);
        try (Backend cpu = Backends.cpu(); LlamaModel model = LlamaModel.fromLlama2c(file, cpu);
             LlamaSession s = model.newSession(16); Tensor all = s.forwardAll(3, 1, 4, 1, 5)) {
            assertArrayEquals(new long[] {5, 50}, all.shape());
            assertEquals(5, s.length());
        }
    }
}
