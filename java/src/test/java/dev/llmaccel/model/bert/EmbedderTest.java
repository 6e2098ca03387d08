package dev.llmaccel.model.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Embedder on a tiny random BERT: tokenizing, windows of long texts, batching, formats, bad input. */
class EmbedderTest {
    @TempDir
    Path dir;

    private static final TinyBert BERT = new TinyBert(11);

    private Embedder load(Path model, Backend backend, LongTextPolicy policy, int batch) throws IOException {
        return Embedder.load(model, new EmbedderOptions(backend, policy, batch, 0));
    }

    private static float[] normalized(double[] v) {
        double n = 0;
        for (double x : v) {
            n += x * x;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(n));
        }
        return out;
    }

    @Test
    void embedsATextAsTheNormalisedMeanOfItsTokens() throws IOException {
        Path model = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        try (Backend backend = Backends.cpu(); Embedder e = load(model, backend, LongTextPolicy.CHUNK_AND_AVERAGE, 32)) {
            int[] ids = e.model().tokenizer().encode("The cat sat on the mat.", true, false);
            assertArrayEquals(new int[] {2, 5, 6, 7, 8, 5, 9, 18, 3}, ids);
            float[] v = e.embed("The cat sat on the mat.");
            assertEquals(TinyBert.CONFIG.hidden(), e.dimension());
            assertArrayEquals(normalized(BERT.meanPooled(ids)), v, 2e-5f);
            assertEquals("st", e.modelName());
            assertEquals(LongTextPolicy.CHUNK_AND_AVERAGE, e.longTextPolicy());
        }
    }

    @Test
    void withoutNormalisationATextIsTheMeanOfItsTokens() throws IOException {
        Path model = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        EmbedderOptions options = new EmbedderOptions(null, LongTextPolicy.TRUNCATE, 32, 0).withNormalize(false);
        try (Backend backend = Backends.cpu(); Embedder e = Embedder.load(model, options.withBackend(backend))) {
            int[] ids = e.model().tokenizer().encode("The cat sat on the mat.", true, false);
            double[] mean = BERT.meanPooled(ids);
            float[] expected = new float[mean.length];
            for (int i = 0; i < mean.length; i++) {
                expected[i] = (float) mean[i];
            }
            List<float[]> vs = e.embedAll(List.of("The cat sat on the mat.", "The cat sat on the mat."));
            assertArrayEquals(expected, vs.get(0), 2e-5f);
            assertArrayEquals(expected, vs.get(1), 2e-5f);
            assertTrue(Math.abs(norm(vs.get(0)) - 1) > 1e-3, "the raw mean happens to have unit length: the test proves nothing");
        }
    }

    private static double norm(float[] v) {
        double n = 0;
        for (float x : v) {
            n += (double) x * x;
        }
        return Math.sqrt(n);
    }

    @Test
    void longTextsAreCutBeforeContinuationPiecesAndAveragedByTokens() throws IOException {
        Path model = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        String text = "unbelievable ".repeat(10);  // 30 tokens: un ##believ ##able ...
        try (Backend backend = Backends.cpu(); Embedder e = load(model, backend, LongTextPolicy.CHUNK_AND_AVERAGE, 4)) {
            int[] tokens = e.model().tokenizer().encode(text, false, false);
            assertEquals(30, tokens.length);
            // 22 tokens fit a window; token 22 is "##believ", so the cut moves back to 21 ("un")
            int[] first = frame(tokens, 0, 21);
            int[] second = frame(tokens, 21, 30);
            double[] a = BERT.meanPooled(first);
            double[] b = BERT.meanPooled(second);
            double[] avg = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                avg[i] = (a[i] * 21 + b[i] * 9) / 30;
            }
            assertArrayEquals(normalized(avg), e.embed(text), 2e-5f);
        }
        try (Backend backend = Backends.cpu(); Embedder e = load(model, backend, LongTextPolicy.TRUNCATE, 4)) {
            int[] tokens = e.model().tokenizer().encode(text, false, false);
            assertArrayEquals(normalized(BERT.meanPooled(frame(tokens, 0, 22))), e.embed(text), 2e-5f);
        }
    }

    @Test
    void theTokenizersTruncationLengthIsTheDefaultLimit() throws IOException {
        Path model = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        Path tokenizer = model.resolve("tokenizer.json");
        Files.writeString(tokenizer, Files.readString(tokenizer).replace("\"truncation\":null",
                "\"truncation\":{\"direction\":\"Right\",\"max_length\":10,\"strategy\":\"LongestFirst\",\"stride\":0}"));
        String text = "unbelievable ".repeat(5);  // 15 tokens
        try (Backend backend = Backends.cpu(); Embedder e = load(model, backend, LongTextPolicy.TRUNCATE, 4)) {
            assertEquals(10, e.maxTokens());
            assertEquals(10, e.model().maxTokens());
            int[] tokens = e.model().tokenizer().encode(text, false, false);
            assertArrayEquals(normalized(BERT.meanPooled(frame(tokens, 0, 8))), e.embed(text), 2e-5f);
        }
        try (Backend backend = Backends.cpu();
             Embedder e = Embedder.load(model, new EmbedderOptions(backend, LongTextPolicy.TRUNCATE, 4, 20))) {
            assertEquals(20, e.maxTokens(), "an explicit limit overrides the tokenizer's");
        }
    }

    private static int[] frame(int[] tokens, int from, int to) {
        int[] s = new int[to - from + 2];
        s[0] = 2;
        System.arraycopy(tokens, from, s, 1, to - from);
        s[s.length - 1] = 3;
        return s;
    }

    @Test
    void batchesOfAnySizeGiveTheSameVectorsInOrder() throws IOException {
        Path model = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        List<String> texts = new ArrayList<>();
        String[] words = {"the", "cat", "dog", "ran", "far", "and", "fast", "big", "red", "sky", "unbelievable"};
        for (int i = 0; i < 23; i++) {
            StringBuilder s = new StringBuilder();
            for (int w = 0; w <= (i * 7) % 30; w++) {
                s.append(words[(i + w * 3) % words.length]).append(' ');
            }
            texts.add(s.toString());
        }
        texts.add("");
        try (Backend backend = Backends.cpu()) {
            List<float[]> one;
            try (Embedder e = load(model, backend, LongTextPolicy.CHUNK_AND_AVERAGE, 1)) {
                one = new ArrayList<>();
                for (String t : texts) {
                    one.add(e.embed(t));
                }
            }
            for (int batch : new int[] {3, 32}) {
                try (Embedder e = load(model, backend, LongTextPolicy.CHUNK_AND_AVERAGE, batch)) {
                    List<float[]> all = e.embedAll(texts);
                    assertEquals(texts.size(), all.size());
                    for (int i = 0; i < texts.size(); i++) {
                        assertArrayEquals(one.get(i), all.get(i), 1e-5f, "batch " + batch + ", text " + i);
                    }
                }
            }
        }
    }

    @Test
    void everyFormatLoadsThroughTheEmbedder() throws IOException {
        Path st = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        Path onnx = BERT.writeOnnx(dir.resolve("onnx"));
        Path gguf = BERT.writeGguf(dir.resolve("tiny.gguf"), DType.F32);
        // long enough for two windows, with a cut that must move back off a continuation piece
        List<String> texts = List.of("a big red sun", "unbelievable ".repeat(10), "the sky is blue, and unbelievable!");
        try (Backend backend = Backends.cpu();
             Embedder a = load(st, backend, LongTextPolicy.CHUNK_AND_AVERAGE, 8);
             Embedder b = load(onnx, backend, LongTextPolicy.CHUNK_AND_AVERAGE, 8);
             Embedder c = load(gguf, backend, LongTextPolicy.CHUNK_AND_AVERAGE, 8)) {
            List<float[]> expected = a.embedAll(texts);
            for (Embedder other : new Embedder[] {b, c}) {
                List<float[]> got = other.embedAll(texts);
                for (int i = 0; i < texts.size(); i++) {
                    assertArrayEquals(expected.get(i), got.get(i), other.model().description() + ": text " + i);
                }
            }
            assertTrue(b.model().description().startsWith("ONNX"), b.model().description());
            assertTrue(c.model().description().startsWith("GGUF"), c.model().description());
        }
    }

    @Test
    void badInputsAreRefused() throws IOException {
        Path model = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        try (Backend backend = Backends.cpu()) {
            Embedder e = load(model, backend, LongTextPolicy.CHUNK_AND_AVERAGE, 8);
            assertThrows(NullPointerException.class, () -> e.embed(null));
            assertThrows(NullPointerException.class, () -> e.embedAll(null));
            assertThrows(NullPointerException.class, () -> e.embedAll(Arrays.asList("a", null)));
            assertEquals(0, e.embedAll(List.of()).size());
            e.close();
            e.close();
            assertThrows(IllegalStateException.class, () -> e.embed("a"));
            // a backend the caller passed stays usable
            assertEquals("cpu", backend.name());
        }
        assertThrows(IllegalArgumentException.class, () -> new EmbedderOptions(null, LongTextPolicy.TRUNCATE, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new EmbedderOptions(null, LongTextPolicy.TRUNCATE, 1, 2));
        assertThrows(NullPointerException.class, () -> new EmbedderOptions(null, null, 1, 0));
        try (Backend backend = Backends.cpu()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Embedder.load(model,
                    EmbedderOptions.defaults().withBackend(backend).withMaxTokens(TinyBert.CONFIG.maxPositions() + 1)));
            assertTrue(e.getMessage().contains("at most " + TinyBert.CONFIG.maxPositions()), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> Embedder.load((Path) null));
    }
}
