package dev.llmaccel.spark;

import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.model.bert.Embedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Sentences per second of all-MiniLM-L6-v2 on the same sentences: Embedder.embedAll alone in this
 * JVM, then SentenceEmbedder through Spark at local[1] and local[2] (the model loaded before the
 * timed passes, rows encoded into Spark's format and counted), and the ratio of each to the first.
 * Not a test (Surefire runs *Test classes): run it with the test class path and Spark's
 * --add-opens flags, arguments {@code n=20000 passes=3 partitions=4}.
 */
public final class SparkEmbedBench {
    private SparkEmbedBench() {}

    public static void main(String[] args) {
        int n = 20000;
        int passes = 3;
        int partitions = 4;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "n" -> n = Integer.parseInt(kv[1]);
                case "passes" -> passes = Integer.parseInt(kv[1]);
                case "partitions" -> partitions = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + a + " (n=, passes=, partitions=)");
            }
        }
        List<String> sentences = TestSpark.sentences(n);
        System.out.printf(Locale.ROOT, "%d sentences, %d passes each (best kept), cpu backend: %s%n", n, passes,
                CpuBackend.describe());
        double alone = 0;
        try (Embedder e = Embedder.load()) {
            e.embedAll(sentences.subList(0, 500));
            for (int p = 0; p < passes; p++) {
                long t = System.nanoTime();
                e.embedAll(sentences);
                double rate = n / ((System.nanoTime() - t) / 1e9);
                System.out.printf(Locale.ROOT, "  embedAll alone, pass %d: %.1f sentences/s%n", p + 1, rate);
                alone = Math.max(alone, rate);
            }
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
        StringBuilder summary = new StringBuilder(String.format(Locale.ROOT, "embedAll alone: %.1f sentences/s", alone));
        for (String master : new String[] {"local[1]", "local[2]"}) {
            SparkSession spark = SparkSession.builder().master(master).appName("llmaccel-spark-bench")
                    .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
            try {
                Dataset<Row> all = frame(spark, sentences, partitions).cache();
                all.count();  // the input in memory: the passes time the embedding, not building the rows
                SentenceEmbedder embedder = new SentenceEmbedder();
                embedder.transform(frame(spark, sentences.subList(0, 500), 2)).count();  // loads the model (once per JVM)
                double best = 0;
                for (int p = 0; p < passes; p++) {
                    long t = System.nanoTime();
                    long rows = embedder.transform(all).count();
                    double rate = rows / ((System.nanoTime() - t) / 1e9);
                    System.out.printf(Locale.ROOT, "  SentenceEmbedder %s, %d partitions, pass %d: %.1f sentences/s%n",
                            master, partitions, p + 1, rate);
                    best = Math.max(best, rate);
                }
                summary.append(String.format(Locale.ROOT, "; %s: %.1f sentences/s = %.2fx", master, best, best / alone));
            } finally {
                spark.stop();
            }
        }
        System.out.println(summary);
    }

    private static Dataset<Row> frame(SparkSession spark, List<String> texts, int partitions) {
        List<Row> rows = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i)));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false).add("text", DataTypes.StringType, true);
        return spark.createDataFrame(new JavaSparkContext(spark.sparkContext()).parallelize(rows, partitions), schema);
    }
}
