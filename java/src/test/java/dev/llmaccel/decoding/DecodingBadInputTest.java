package dev.llmaccel.decoding;

import static dev.llmaccel.BadInput.rejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Decoding given bad input: clear exceptions, and the decoder still works afterwards. */
class DecodingBadInputTest {

    @Test
    void constructorAndAcceptRejectBadInput() {
        try (Backend backend = Backends.cpu()) {
            SamplingParams greedy = SamplingParams.greedy();
            rejects(NullPointerException.class, () -> new Decoding(null, greedy, 1, 4), "backend");
            rejects(NullPointerException.class, () -> new Decoding(backend, null, 1, 4), "params");
            rejects(IllegalArgumentException.class, () -> new Decoding(backend, greedy, 1, -1), "penalty window");
            Decoding d = new Decoding(backend, greedy, 1, 4);
            rejects(NullPointerException.class, () -> d.accept((int[]) null), "tokens");
            rejects(IllegalArgumentException.class, () -> d.accept(3, -2), "negative token id -2");
        }
    }

    @Test
    void nextRejectsBadLogitsAndTokensOutsideTheVocabulary() {
        try (Backend backend = Backends.cpu();
             Tensor logits = Tensor.of(new float[] {0, 5, 1, 2}, 4);
             Tensor matrix = Tensor.zeros(DType.F32, 2, 2);
             Tensor half = Tensor.zeros(DType.F16, 4)) {
            Decoding d = new Decoding(backend, SamplingParams.greedy().withPenalties(1.2f, 0f, 0f), 7, 8);
            rejects(NullPointerException.class, () -> d.next(null), "null");
            rejects(IllegalArgumentException.class, () -> d.next(matrix), "1 dimensions");
            rejects(IllegalArgumentException.class, () -> d.next(half), "F32");
            d.accept(9);  // a prompt token the vocabulary of these logits does not have
            rejects(IndexOutOfBoundsException.class, () -> d.next(logits), "recent token 9", "[0, 4)");
            d.reset();
            assertEquals(1, d.next(logits));
            assertArrayEquals(new int[] {1}, d.recentTokens());
            Tensor closed = Tensor.of(new float[] {1, 2}, 2);
            closed.close();
            rejects(IllegalStateException.class, () -> d.next(closed), "closed");
        }
    }
}
