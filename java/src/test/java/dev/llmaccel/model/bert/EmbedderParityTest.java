package dev.llmaccel.model.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.cuda.CudaProbe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default model against LangChain4j's AllMiniLmL6V2EmbeddingModel (ONNX Runtime, the
 * reference) on 100+ varied texts: short and long (beyond 256 and beyond 512 tokens, where both
 * split into windows), punctuation, accents, CJK, emoji. Blank texts, which LangChain4j refuses,
 * are compared with ONNX Runtime run directly on "[CLS] [SEP]".
 */
class EmbedderParityTest {
    private static final double MIN_COSINE = 0.9999;

    private static List<String> texts;
    private static List<float[]> reference;

    @BeforeAll
    static void referenceEmbeddings() throws IOException {
        texts = new ArrayList<>();
        try (InputStream in = EmbedderParityTest.class.getResourceAsStream("parity-sentences.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                texts.add(line);
            }
        }
        texts.addAll(longTexts(texts));
        EmbeddingModel l4j = new AllMiniLmL6V2EmbeddingModel();
        reference = new ArrayList<>();
        for (String t : texts) {
            reference.add(l4j.embed(t).content().vector());
        }
    }

    /** Texts of about 300, 700 and 1600 tokens, and one whose window cuts fall inside words. */
    private static List<String> longTexts(List<String> sentences) {
        StringBuilder all = new StringBuilder();
        for (String s : sentences) {
            all.append(s).append(' ');
        }
        String joined = all.toString();
        String words = "unbelievably antidisestablishmentarianism photosynthesizing floccinaucinihilipilification ";
        return List.of(joined.substring(0, 1200), joined, joined + joined + joined, words.repeat(80));
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static Backend backend(String name) {
        if (name.equals("cuda")) {
            CudaProbe.Result r = CudaProbe.probe();
            Assumptions.assumeTrue(r.usable(), () -> "skipped: cuda is not usable here: " + r.description());
        }
        return Backends.named(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void everyTextMatchesLangChain4j(String backendName) throws IOException {
        try (Backend backend = backend(backendName);
             Embedder embedder = Embedder.load(EmbedderOptions.defaults().withBackend(backend))) {
            assertEquals(384, embedder.dimension());
            assertEquals(128, embedder.maxTokens(), "the limit all-MiniLM-L6-v2's tokenizer.json declares");
            List<float[]> ours = embedder.embedAll(texts);
            double worst = 1;
            StringBuilder failures = new StringBuilder();
            for (int i = 0; i < texts.size(); i++) {
                double c = cosine(ours.get(i), reference.get(i));
                worst = Math.min(worst, c);
                if (!(c >= MIN_COSINE)) {
                    failures.append(String.format("%n  cosine %.6f for text %d: %.80s", c, i, texts.get(i)));
                }
            }
            System.out.printf("parity on %s: %d texts, lowest cosine %.7f%n", backendName, texts.size(), worst);
            assertTrue(failures.length() == 0, "texts below " + MIN_COSINE + ":" + failures);
            // one at a time gives the same as batched
            for (int i : new int[] {0, 33, texts.size() - 1}) {
                assertTrue(cosine(embedder.embed(texts.get(i)), ours.get(i)) > 0.999999, "text " + i + " alone");
            }
        }
    }

    /**
     * With a tokenizer.json that declares neither truncation nor fixed padding, LangChain4j's
     * encoder (DJL 0.36 underneath) still truncates, at 512 tokens, before its 510-token windows
     * could apply; the default policy, at the model's 512 positions, must agree on long texts.
     */
    @Test
    void withoutDeclaredTruncationBothCutAt512Tokens(@TempDir Path dir) throws IOException {
        Path onnx = dir.resolve("model.onnx");
        Path tokenizer = dir.resolve("tokenizer.json");
        ClassLoader loader = Embedder.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(Embedder.DEFAULT_ONNX_RESOURCE)) {
            Files.copy(in, onnx);
        }
        try (InputStream in = loader.getResourceAsStream(Embedder.DEFAULT_TOKENIZER_RESOURCE)) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String plain = json.replaceFirst("\"truncation\":\\s*\\{[^}]*\\}", "\"truncation\": null")
                    .replaceFirst("\"padding\":\\s*\\{\\s*\"strategy\":\\s*\\{[^}]*\\}[^}]*\\}", "\"padding\": null");
            assertTrue(!plain.contains("\"max_length\"") && !plain.contains("\"Fixed\""), "truncation or padding left");
            Files.writeString(tokenizer, plain);
        }
        EmbeddingModel l4j = new OnnxEmbeddingModel(onnx, tokenizer, PoolingMode.MEAN);
        List<String> sample = new ArrayList<>(texts.subList(texts.size() - 4, texts.size()));  // the long ones
        sample.addAll(texts.subList(0, 3));
        try (Backend backend = Backends.cpu();
             Embedder embedder = Embedder.load(onnx, EmbedderOptions.defaults().withBackend(backend))) {
            assertEquals(512, embedder.maxTokens());
            List<float[]> ours = embedder.embedAll(sample);
            for (int i = 0; i < sample.size(); i++) {
                double c = cosine(ours.get(i), l4j.embed(sample.get(i)).content().vector());
                assertTrue(c >= MIN_COSINE, "text " + i + " (" + embedder.model().tokenizer().encode(sample.get(i)).length
                        + " tokens): cosine " + c);
            }
        }
    }

    @Test
    void referenceBackendAgreesOnShortTexts() throws IOException {
        try (Backend backend = Backends.reference();
             Embedder embedder = Embedder.load(EmbedderOptions.defaults().withBackend(backend))) {
            List<float[]> ours = embedder.embedAll(texts.subList(0, 4));
            for (int i = 0; i < 4; i++) {
                double c = cosine(ours.get(i), reference.get(i));
                assertTrue(c >= MIN_COSINE, "reference backend, text " + i + ": cosine " + c);
            }
        }
    }

    @Test
    void blankTextsMatchOnnxRuntimeOnClsSep(@TempDir Path dir) throws IOException, OrtException {
        EmbeddingModel l4j = new AllMiniLmL6V2EmbeddingModel();
        assertThrows(RuntimeException.class, () -> l4j.embed(""), "LangChain4j refuses blank text");
        Path onnx = dir.resolve("m.onnx");
        try (InputStream in = Embedder.class.getClassLoader().getResourceAsStream(Embedder.DEFAULT_ONNX_RESOURCE)) {
            Files.copy(in, onnx);
        }
        float[] expected;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx.toString());
             OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {101, 102}), new long[] {1, 2});
             OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {1, 1}), new long[] {1, 2});
             OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {0, 0}), new long[] {1, 2});
             OrtSession.Result r = session.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
            float[][] hidden = ((float[][][]) r.get(0).getValue())[0];
            expected = new float[hidden[0].length];
            for (float[] row : hidden) {
                for (int j = 0; j < row.length; j++) {
                    expected[j] += row[j] / hidden.length;
                }
            }
        }
        try (Backend backend = Backends.cpu();
             Embedder embedder = Embedder.load(EmbedderOptions.defaults().withBackend(backend))) {
            for (String blank : new String[] {"", " ", "\t \n "}) {
                double c = cosine(embedder.embed(blank), expected);
                assertTrue(c >= MIN_COSINE, "'" + blank + "': cosine " + c);
            }
        }
    }
}
