package dev.llmaccel.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.model.bert.Embedder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** llm_embed and llm_generate in SQL give what the library gives. */
class LlmaccelFunctionsTest {
    private static SparkSession spark;
    @TempDir
    static Path dir;
    private static Path model;

    @BeforeAll
    static void start() throws IOException {
        spark = TestSpark.session();
        model = TinyDecoder.file(dir);
        LlmaccelFunctions.register(spark, "default", model.toString());
        List<Row> rows = new ArrayList<>();
        List<String> texts = TinyDecoder.prompts(12);
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, i == 4 ? null : texts.get(i)));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false).add("text", DataTypes.StringType, true);
        spark.createDataFrame(rows, schema).repartition(3).createOrReplaceTempView("texts");
    }

    private static List<String> texts() {
        List<String> texts = new ArrayList<>(TinyDecoder.prompts(12));
        texts.set(4, null);
        return texts;
    }

    @Test
    void llmEmbedGivesTheEmbeddersVectors() throws IOException {
        List<Row> rows = spark.sql("SELECT id, llm_embed(text) AS v FROM texts ORDER BY id").collectAsList();
        List<String> texts = texts();
        try (Embedder e = Embedder.load()) {
            for (Row r : rows) {
                String text = texts.get(r.getInt(0));
                if (text == null) {
                    assertNull(r.get(1));
                    continue;
                }
                float[] expected = e.embed(text);
                List<Float> v = r.getList(1);
                assertEquals(expected.length, v.size());
                double dot = 0;
                for (int i = 0; i < expected.length; i++) {
                    dot += expected[i] * v.get(i);
                }
                assertTrue(dot >= 0.99999, "row " + r.getInt(0) + ": cosine " + dot);
            }
        }
    }

    @Test
    void llmGenerateGivesGeneratorsGreedyText() throws IOException {
        List<Row> rows = spark.sql("SELECT id, llm_generate(text, 16) AS t FROM texts ORDER BY id").collectAsList();
        List<String> texts = texts();
        List<String> present = new ArrayList<>();
        for (String t : texts) {
            if (t != null) {
                present.add(t);
            }
        }
        List<String> expected = TinyDecoder.alone(model, present, Collections.nCopies(present.size(), GenerationOptions.greedy(16)));
        int next = 0;
        for (Row r : rows) {
            if (texts.get(r.getInt(0)) == null) {
                assertNull(r.get(1));
            } else {
                assertEquals(expected.get(next++), r.getString(1), "row " + r.getInt(0));
            }
        }
    }

    @Test
    void llmGenerateWithoutAModelSaysHowToConfigureOne() {
        spark.udf().register("llm_generate_unset", new GenerateFunction(), DataTypes.StringType);
        SparkException e = org.junit.jupiter.api.Assertions.assertThrows(SparkException.class,
                () -> spark.sql("SELECT llm_generate_unset(text, 4) FROM texts").collectAsList());
        assertTrue(e.getMessage().contains(GenerateFunction.MODEL_CONF), e.getMessage());
    }
}
