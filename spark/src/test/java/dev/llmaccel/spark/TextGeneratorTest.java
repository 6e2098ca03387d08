package dev.llmaccel.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.SharedFiles;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.generation.GenerationOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TextGenerator on local[2]: each row's text is what Generator alone makes of its prompt, on the engine and without. */
class TextGeneratorTest {
    private static final int MAX_TOKENS = 24;
    private static SparkSession spark;
    @TempDir
    static Path dir;
    private static Path model;

    @BeforeAll
    static void start() throws IOException {
        spark = TestSpark.session();
        model = TinyDecoder.file(dir);
    }

    /** (id, prompt, seed) rows in partitions partitions, in order. */
    private static Dataset<Row> frame(List<String> prompts, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            rows.add(RowFactory.create(i, prompts.get(i), 1000L + i));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false)
                .add("prompt", DataTypes.StringType, true).add("seed", DataTypes.LongType, true);
        return spark.createDataFrame(new JavaSparkContext(spark.sparkContext()).parallelize(rows, partitions), schema);
    }

    private static List<String> texts(Dataset<Row> out) {
        List<String> texts = new ArrayList<>();
        List<Row> rows = out.collectAsList();
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i, rows.get(i).getInt(0), "row order");
            texts.add(rows.get(i).getString(rows.get(i).fieldIndex("completion")));
        }
        return texts;
    }

    private static TextGenerator greedy(Path file) {
        return new TextGenerator().setModelPath(file.toString()).setMaxTokens(MAX_TOKENS).setTemperature(0);
    }

    @Test
    void greedyRowsOnTheEngineAndOneByOneEqualGeneratorAlone() throws IOException {
        List<String> prompts = TinyDecoder.prompts(40);
        List<String> expected = TinyDecoder.alone(model, prompts,
                Collections.nCopies(prompts.size(), GenerationOptions.greedy(MAX_TOKENS)));
        assertTrue(expected.stream().anyMatch(t -> !t.isEmpty()), "the model generates nothing: the test proves nothing");
        assertEquals(expected, texts(greedy(model).transform(frame(prompts, 3))));
        assertEquals(expected, texts(greedy(model).setBatching(false).transform(frame(prompts, 3))));
    }

    @Test
    void seededRowsGetTheirGeneratorAloneTextHoweverTheDataIsSplit() throws IOException {
        List<String> prompts = TinyDecoder.prompts(24);
        TextGenerator sampled = new TextGenerator().setModelPath(model.toString()).setMaxTokens(MAX_TOKENS)
                .setTemperature(0.9f).setTopK(40).setTopP(0.95f).setMinP(0.05f).setSeedCol("seed");
        SamplingParams p = new SamplingParams(0.9f, 40, 0.95f, 0.05f, 1.0f, 0, 0, Map.of());
        List<GenerationOptions> options = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            options.add(GenerationOptions.greedy(MAX_TOKENS).withSampling(p).withSeed(1000L + i));
        }
        List<String> expected = TinyDecoder.alone(model, prompts, options);
        assertEquals(expected, texts(sampled.transform(frame(prompts, 2))));
        assertEquals(expected, texts(sampled.transform(frame(prompts, 5))));
        assertEquals(expected, texts(sampled.setBatching(false).transform(frame(prompts, 4))));
    }

    @Test
    void aSavedPipelineLoadsAndGivesTheSameTexts() throws IOException {
        List<String> prompts = TinyDecoder.prompts(10);
        TextGenerator stage = greedy(model).setStopStrings("e ", "zz").setSeed(5).setParallel(4).setContextSize(200);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {stage}).fit(frame(prompts, 2));
        String path = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        TextGenerator back = (TextGenerator) loaded.stages()[0];
        assertEquals(stage.uid(), back.uid());
        assertEquals(params(stage), params(back));
        assertEquals(List.of("e ", "zz"), List.of(back.getStopStrings()));
        assertEquals(texts(fitted.transform(frame(prompts, 2))), texts(loaded.transform(frame(prompts, 3))));
    }

    /** Every param's name and value as JSON (an array's toString would be its identity). */
    private static Map<String, String> params(TextGenerator stage) {
        Map<String, String> out = new TreeMap<>();
        for (Param<?> p : stage.params()) {
            out.put(p.name(), json(stage, p));
        }
        return out;
    }

    private static <T> String json(TextGenerator stage, Param<T> p) {
        return stage.isDefined(p) ? p.jsonEncode(stage.getOrDefault(p)) : "(unset)";
    }

    @Test
    void theModelIsOpenedOncePerJvmHoweverManyPartitionsRun() throws IOException {
        // parallel 3: a key no other test uses
        TextGenerator stage = greedy(model).setParallel(3);
        int before = ExecutorModels.loads();
        List<String> prompts = TinyDecoder.prompts(30);
        assertEquals(30, stage.transform(frame(prompts, 7)).count());
        assertEquals(30, stage.transform(frame(prompts, 11)).collectAsList().size());
        assertEquals(before + 1, ExecutorModels.loads());
    }

    @Test
    void nullPromptsGiveNullTexts() {
        List<String> prompts = new ArrayList<>(TinyDecoder.prompts(3));
        prompts.set(1, null);
        List<Row> rows = greedy(model).transform(frame(prompts, 2)).collectAsList();
        assertNull(rows.get(1).get(3));
        assertEquals(rows.get(0).getString(1) != null, rows.get(0).get(3) != null);
    }

    @Test
    void failuresAreSparkFailuresWithTheLibrarysMessage() {
        Dataset<Row> df = frame(TinyDecoder.prompts(4), 2);
        IllegalArgumentException noModel = assertThrows(IllegalArgumentException.class, () -> new TextGenerator().transform(df));
        assertTrue(noModel.getMessage().contains("set modelPath"), noModel.getMessage());
        Path missing = dir.resolve("missing.gguf");
        SparkException e = assertThrows(SparkException.class, () -> greedy(missing).transform(df).count());
        assertTrue(e.getMessage().contains("model file not found: " + missing), e.getMessage());
        // a prompt longer than the context: the engine's PromptTooLongException, as the task's failure
        Dataset<Row> longPrompt = frame(List.of("word ".repeat(400)), 1);
        SparkException tooLong = assertThrows(SparkException.class, () -> greedy(model).setContextSize(64).transform(longPrompt).count());
        assertTrue(tooLong.getMessage().contains("64"), tooLong.getMessage());
        assertEquals(4, greedy(model).transform(df).count(), "the executor JVM goes on");
    }

    @Test
    void aidreams260KThroughSparkEqualsGeneratorAlone() throws IOException {
        Path aidreams = SharedFiles.require("models/aidreams260K/aidreams260K.gguf");
        List<String> prompts = List.of("Once upon a time", "The little cat", "In a land far away");
        List<String> expected = TinyDecoder.alone(aidreams, prompts, Collections.nCopies(3, GenerationOptions.greedy(MAX_TOKENS)));
        assertTrue(expected.get(0).startsWith(", pixels unfolding like petals"), expected.get(0));
        assertEquals(expected, texts(greedy(aidreams).transform(frame(prompts, 2))));
    }
}
