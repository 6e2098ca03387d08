package dev.llmaccel.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.SparkSession;

/**
 * The tests' SparkSession: local[2], no UI, bound to the loopback address; one per test JVM
 * (Spark allows one context per JVM, and starting it is the slow part), stopped when the JVM exits.
 */
final class TestSpark {
    private static SparkSession session;

    private TestSpark() {}

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("llmaccel-spark-test")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
        }
        return session;
    }

    private static final String[] WORDS = ("the a cat dog sat on mat under tree river bank money flows quickly slowly"
            + " model vector search engine query result cluster executor partition spark java native kernel memory"
            + " green red blue small large ancient modern city village music painting science history because while"
            + " although however therefore 2026 42 3.14 naïve café résumé Zürich über-fast well-known").split(" ");

    /** n sentences of 1 to 40 words (every 97th far past the model's 128 tokens), the same on every call. */
    static List<String> sentences(int n) {
        Random r = new Random(7);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int words = i % 97 == 5 ? 200 : 1 + r.nextInt(40);
            StringBuilder s = new StringBuilder();
            for (int w = 0; w < words; w++) {
                if (w > 0) {
                    s.append(' ');
                }
                String word = WORDS[r.nextInt(WORDS.length)];
                s.append(w == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
            }
            out.add(s.append(i % 3 == 0 ? "?" : ".").toString());
        }
        return out;
    }
}
