package dev.llmaccel.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.model.bert.EmbedderOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SentenceEmbedder on local[2]: the library's vectors in the input's order, saved and loaded, one model per JVM. */
class SentenceEmbedderTest {
    private static final int SENTENCES = 2000;
    private static SparkSession spark;
    private static List<String> texts;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
        texts = TestSpark.sentences(SENTENCES);
    }

    /** (id, text) rows in partitions partitions, in order. */
    private static Dataset<Row> frame(List<String> texts, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i)));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false).add("text", DataTypes.StringType, true);
        return spark.createDataFrame(new JavaSparkContext(spark.sparkContext()).parallelize(rows, partitions), schema);
    }

    private static float[] vector(Row row, String column) {
        List<Float> list = row.getList(row.fieldIndex(column));
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = list.get(i);
        }
        return v;
    }

    private static double cosine(float[] a, float[] b) {
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

    @Test
    void sentencesThroughSparkEqualTheLibraryOnTheDriverInOrder() throws IOException {
        long start = System.nanoTime();
        List<Row> rows = new SentenceEmbedder().transform(frame(texts, 5)).collectAsList();
        long spark = System.nanoTime() - start;
        List<float[]> expected;
        start = System.nanoTime();
        try (Embedder e = Embedder.load()) {
            expected = e.embedAll(texts);
        }
        long alone = System.nanoTime() - start;
        System.out.printf("%d sentences: %.1f s through Spark local[2] (model load included), %.1f s with embedAll alone%n",
                SENTENCES, spark / 1e9, alone / 1e9);
        assertEquals(SENTENCES, rows.size());
        double worst = 1;
        for (int i = 0; i < SENTENCES; i++) {
            Row r = rows.get(i);
            assertEquals(i, r.getInt(0), "row order");
            assertEquals(texts.get(i), r.getString(1));
            float[] v = vector(r, "embedding");
            assertEquals(384, v.length);
            worst = Math.min(worst, cosine(expected.get(i), v));
        }
        assertTrue(worst >= 0.99999, "worst cosine " + worst);
    }

    @Test
    void aSavedPipelineLoadsAndGivesTheSameVectors() throws IOException {
        List<String> some = texts.subList(0, 50);
        SentenceEmbedder stage = new SentenceEmbedder().setInputCol("text").setOutputCol("v").setBatchSize(8)
                .setNormalize(false).setLongTextPolicy("chunk_and_average");
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {stage}).fit(frame(some, 2));
        String path = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        SentenceEmbedder back = (SentenceEmbedder) loaded.stages()[0];
        assertEquals(stage.uid(), back.uid());
        assertEquals("v", back.getOutputCol());
        assertEquals(8, back.getBatchSize());
        assertEquals(false, back.getNormalize());
        assertEquals("CHUNK_AND_AVERAGE", back.getLongTextPolicy());
        List<Row> before = fitted.transform(frame(some, 2)).collectAsList();
        List<Row> after = loaded.transform(frame(some, 3)).collectAsList();
        try (Embedder e = Embedder.load(EmbedderOptions.defaults().withNormalize(false).withBatchSize(8)
                .withLongTextPolicy(dev.llmaccel.model.bert.LongTextPolicy.CHUNK_AND_AVERAGE))) {
            List<float[]> expected = e.embedAll(some);
            for (int i = 0; i < some.size(); i++) {
                float[] a = vector(before.get(i), "v");
                float[] b = vector(after.get(i), "v");
                assertTrue(cosine(a, b) >= 0.99999, "row " + i);
                assertTrue(cosine(expected.get(i), b) >= 0.99999, "row " + i);
                assertEquals(norm(expected.get(i)), norm(b), 1e-4, "row " + i + ": not normalised alike");
            }
        }
        String single = dir.resolve("stage").toString();
        stage.write().overwrite().save(single);
        assertEquals(stage.extractParamMap().toString(), SentenceEmbedder.load(single).extractParamMap().toString());
    }

    private static double norm(float[] v) {
        double n = 0;
        for (float x : v) {
            n += (double) x * x;
        }
        return Math.sqrt(n);
    }

    @Test
    void theModelIsOpenedOncePerJvmHoweverManyPartitionsRun() {
        // batch size 7: a key no other test uses, so this test's first pass opens it
        SentenceEmbedder stage = new SentenceEmbedder().setBatchSize(7);
        int before = ExecutorModels.loads();
        assertEquals(300, stage.transform(frame(texts.subList(0, 300), 9)).count());
        assertEquals(300, stage.transform(frame(texts.subList(0, 300), 13)).collectAsList().size());
        assertEquals(before + 1, ExecutorModels.loads());
    }

    @Test
    void nullTextsGiveNullVectors() {
        List<String> withNull = new ArrayList<>(texts.subList(0, 3));
        withNull.set(1, null);
        List<Row> rows = new SentenceEmbedder().transform(frame(withNull, 2)).collectAsList();
        assertEquals(384, vector(rows.get(0), "embedding").length);
        assertNull(rows.get(1).get(2));
        assertEquals(384, vector(rows.get(2), "embedding").length);
    }

    @Test
    void aMissingModelFailsTheJobWithTheLibrarysMessage() {
        SentenceEmbedder stage = new SentenceEmbedder().setModelPath(dir.resolve("no-such-model.onnx").toString());
        SparkException e = assertThrows(SparkException.class, () -> stage.transform(frame(texts.subList(0, 4), 2)).count());
        assertTrue(e.getMessage().contains("model file not found: " + dir.resolve("no-such-model.onnx")), e.getMessage());
        // the JVM (this executor) goes on: the next job runs
        assertEquals(4, new SentenceEmbedder().transform(frame(texts.subList(0, 4), 2)).count());
    }

    @Test
    void badColumnsFailOnTheDriverNamingThem() {
        Dataset<Row> df = frame(texts.subList(0, 2), 1);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new SentenceEmbedder().setInputCol("body").transform(df));
        assertTrue(missing.getMessage().contains("'body'"), missing.getMessage());
        IllegalArgumentException notText = assertThrows(IllegalArgumentException.class,
                () -> new SentenceEmbedder().setInputCol("id").transform(df));
        assertTrue(notText.getMessage().contains("must be string"), notText.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SentenceEmbedder().setOutputCol("text").transform(df));
        assertThrows(IllegalArgumentException.class, () -> new SentenceEmbedder().setLongTextPolicy("drop"));
    }
}
