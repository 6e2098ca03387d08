package dev.llmaccel.model.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The encoder's forward pass against an independent double-precision oracle, on every format. */
class BertModelTest {
    @TempDir
    Path dir;

    private static final TinyBert BERT = new TinyBert(7);

    /** Sequences of awkward lengths, including 1 and the model's maximum. */
    private static int[][] sequences(long seed) {
        Random r = new Random(seed);
        int[] lengths = {5, 1, 13, TinyBert.CONFIG.maxPositions(), 7, 2};
        int[][] s = new int[lengths.length][];
        for (int i = 0; i < s.length; i++) {
            s[i] = new int[lengths[i]];
            for (int t = 0; t < lengths[i]; t++) {
                s[i][t] = r.nextInt(TinyBert.CONFIG.vocabSize());
            }
        }
        return s;
    }

    private BertModel load(Path path, Backend backend) throws IOException {
        return BertModel.load(path, backend);
    }

    private static double relativeError(float[] actual, double[] expected) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Float.isFinite(actual[i]), "non-finite output " + actual[i] + " at " + i);
            num += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            den += expected[i] * expected[i];
        }
        return Math.sqrt(num / den);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void batchedPassMatchesTheOracle(String backendName) throws IOException {
        Path model = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        int[][] seqs = sequences(1);
        try (Backend backend = Backends.named(backendName); BertModel m = load(model, backend)) {
            float[][] pooled = m.meanPooled(seqs);
            assertEquals(seqs.length, pooled.length);
            for (int i = 0; i < seqs.length; i++) {
                double err = relativeError(pooled[i], BERT.meanPooled(seqs[i]));
                assertTrue(err < 2e-5, backendName + ": sequence " + i + " (" + seqs[i].length + " tokens) error " + err);
            }
        }
    }

    @Test
    void paddingDoesNotChangeAnySequence() throws IOException {
        Path model = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        int[][] seqs = sequences(2);
        try (Backend backend = Backends.cpu(); BertModel m = load(model, backend)) {
            float[] first = m.meanPooled(new int[][] {seqs[0]})[0];
            float[][] batched = m.meanPooled(seqs);  // grows the kept activations
            for (int i = 0; i < seqs.length; i++) {
                float[] alone = m.meanPooled(new int[][] {seqs[i]})[0];
                for (int j = 0; j < alone.length; j++) {
                    assertEquals(alone[j], batched[i][j], 1e-5f, "sequence " + i + " value " + j);
                }
            }
            assertArrayEquals(first, m.meanPooled(new int[][] {seqs[0]})[0], "the same call twice");
            float[][] again = m.meanPooled(seqs);
            for (int i = 0; i < seqs.length; i++) {
                assertArrayEquals(batched[i], again[i], "batch again, sequence " + i);
            }
        }
    }

    @Test
    void allFormatsGiveTheSameResult() throws IOException {
        Path safetensors = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        Path prefixed = BERT.writeSafetensors(dir.resolve("st-bert"), DType.F32, "bert.");
        Path onnx = BERT.writeOnnx(dir.resolve("onnx"));
        Path gguf = BERT.writeGguf(dir.resolve("tiny.gguf"), DType.F32);
        int[][] seqs = sequences(3);
        try (Backend backend = Backends.cpu()) {
            float[][] expected;
            try (BertModel m = load(safetensors, backend)) {
                expected = m.meanPooled(seqs);
            }
            for (Path p : new Path[] {prefixed, onnx, prefixed.resolve("model.safetensors"), gguf}) {
                try (BertModel m = load(p, backend)) {
                    assertEquals(BERT.config, m.config(), p.toString());
                    float[][] got = m.meanPooled(seqs);
                    for (int i = 0; i < seqs.length; i++) {
                        assertArrayEquals(expected[i], got[i], p + ": sequence " + i);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F16", "BF16", "GGUF F16"})
    void lowerPrecisionCheckpointsLoad(String type) throws IOException {
        DType dtype = DType.valueOf(type.replace("GGUF ", ""));
        Path model = type.startsWith("GGUF") ? BERT.writeGguf(dir.resolve("m.gguf"), dtype)
                : BERT.writeSafetensors(dir.resolve("half"), dtype, "");
        int[][] seqs = sequences(4);
        try (Backend backend = Backends.cpu(); BertModel m = load(model, backend)) {
            float[][] pooled = m.meanPooled(seqs);
            for (int i = 0; i < seqs.length; i++) {
                double err = relativeError(pooled[i], BERT.meanPooled(seqs[i]));
                // the weights themselves are rounded: F16 keeps 11 bits, BF16 8
                assertTrue(err < (dtype == DType.F16 ? 5e-3 : 4e-2), type + ": sequence " + i + " error " + err);
            }
        }
    }

    @Test
    void onnxConfigurationIsReadOffTheGraph() throws IOException {
        Path onnx = BERT.writeOnnx(dir.resolve("onnx"));
        try (BertCheckpoint c = BertCheckpoint.open(onnx)) {
            assertEquals(BERT.config, c.config());
        }
    }

    @Test
    void mismatchedShapesAreFormatErrors() throws IOException {
        Path st = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        Files.writeString(st.resolve("config.json"), BERT.configJson().replace("\"intermediate_size\":24",
                "\"intermediate_size\":32"));
        try (Backend backend = Backends.cpu()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(st, backend));
            assertTrue(e.getMessage().contains("intermediate.dense"), e.getMessage());
        }
        Files.writeString(st.resolve("config.json"), BERT.configJson().replace("\"num_hidden_layers\":2",
                "\"num_hidden_layers\":3"));
        try (Backend backend = Backends.cpu()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(st, backend));
            assertTrue(e.getMessage().contains("encoder.layer.2"), e.getMessage());
        }
        Files.writeString(st.resolve("config.json"), "{\"model_type\":\"gpt2\"}");
        try (Backend backend = Backends.cpu()) {
            assertThrows(ModelFormatException.class, () -> load(st, backend));
        }
        Files.delete(st.resolve("config.json"));
        try (Backend backend = Backends.cpu()) {
            assertThrows(ModelFormatException.class, () -> load(st, backend));
        }
    }

    @Test
    void badInputsAreRefusedAndTheModelSurvives() throws IOException {
        Path model = BERT.writeSafetensors(dir.resolve("st"), DType.F32, "");
        int max = TinyBert.CONFIG.maxPositions();
        try (Backend backend = Backends.cpu(); BertModel m = load(model, backend)) {
            assertThrows(NullPointerException.class, () -> m.meanPooled(null));
            assertThrows(IllegalArgumentException.class, () -> m.meanPooled(new int[0][]));
            assertThrows(IllegalArgumentException.class, () -> m.meanPooled(new int[][] {{}}));
            assertThrows(IllegalArgumentException.class, () -> m.meanPooled(new int[][] {{1}, null}));
            assertThrows(IllegalArgumentException.class, () -> m.meanPooled(new int[][] {new int[max + 1]}));
            assertThrows(IllegalArgumentException.class, () -> m.meanPooled(new int[][] {{2, 40, 3}}));
            assertThrows(IllegalArgumentException.class, () -> m.meanPooled(new int[][] {{2, -1, 3}}));
            float[] ok = m.meanPooled(new int[][] {{2, 5, 3}})[0];
            assertEquals(TinyBert.CONFIG.hidden(), ok.length);
            m.close();
            m.close();
            assertThrows(IllegalStateException.class, () -> m.meanPooled(new int[][] {{2, 5, 3}}));
        }
        assertThrows(java.nio.file.NoSuchFileException.class, () -> BertModel.load(dir.resolve("none"), Backends.reference()));
        Path junk = dir.resolve("junk.bin");
        Files.writeString(junk, "hello");
        assertThrows(ModelFormatException.class, () -> BertModel.load(junk, Backends.reference()));
    }
}
