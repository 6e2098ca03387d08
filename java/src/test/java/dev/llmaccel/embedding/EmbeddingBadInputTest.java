package dev.llmaccel.embedding;

import static dev.llmaccel.BadInput.rejects;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.Pooling;
import dev.llmaccel.binding.cpu.CpuRuntime;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Embedding given bad input: clear exceptions, and the outputs it allocated are given back. */
class EmbeddingBadInputTest {

    @Test
    void lookupAndPoolRejectBadInputWithoutLeaking() {
        try (Backend backend = Backends.cpu();
             Tensor table = Tensor.of(DType.Q8_0, new float[4 * 32], 4, 32);
             Tensor vector = Tensor.zeros(DType.F32, 32);
             Tensor hidden = Tensor.zeros(DType.F32, 2, 3, 8);
             Tensor flat = Tensor.zeros(DType.F32, 6, 8);
             Tensor out = Tensor.zeros(DType.F32, 1, 32)) {
            Embedding e = new Embedding(backend);
            long before = CpuRuntime.llm_host_bytes_in_use();
            rejects(NullPointerException.class, () -> new Embedding(null), "backend");
            rejects(NullPointerException.class, () -> e.lookup(null, new int[] {0}), "table");
            rejects(NullPointerException.class, () -> e.lookup(table, null), "ids");
            rejects(IllegalArgumentException.class, () -> e.lookup(vector, new int[] {0}), "(vocab, d)");
            rejects(IndexOutOfBoundsException.class, () -> e.lookup(table, new int[] {1, 4}), "token id 4");
            rejects(IndexOutOfBoundsException.class, () -> e.lookup(table, new int[] {-7}), "token id -7");
            rejects(IllegalArgumentException.class, () -> e.lookup(out, table, new int[] {0, 1}), "(2, 32)");
            rejects(NullPointerException.class, () -> e.pool(null, null, Pooling.MEAN), "hidden");
            rejects(IllegalArgumentException.class, () -> e.pool(flat, null, Pooling.MEAN), "(batch, seq, d)");
            rejects(NullPointerException.class, () -> e.pool(hidden, null, null), "mode");
            rejects(IllegalArgumentException.class, () -> e.pool(hidden, new int[5], Pooling.MEAN), "batch * seq = 6");
            rejects(NullPointerException.class, () -> e.normalize(null), "null");
            assertEquals(before, CpuRuntime.llm_host_bytes_in_use(), "outputs of refused calls are freed");
        }
    }
}
