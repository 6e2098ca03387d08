package dev.llmaccel.spark;

import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.api.java.UDF2;

/**
 * SQL's {@code llm_generate(prompt, max_tokens)}: the prompt's greedy continuation of at most
 * max_tokens tokens (null for a null prompt), on the executor JVM's one model and its batching
 * engine, so the rows of concurrent tasks decode together. {@link TextGenerator} offers sampling,
 * seeds and stop strings, and submits a partition's rows in chunks.
 *
 * <p>The no-argument constructor is PySpark's {@code spark.udf.registerJavaFunction}'s: its model
 * is the Spark configuration's {@value #MODEL_CONF} (a GGUF file, set with {@code --conf} at
 * submission).
 */
public final class GenerateFunction implements UDF2<String, Integer, String> {
    private static final long serialVersionUID = 1L;
    /** Spark configuration key of the GGUF file. */
    public static final String MODEL_CONF = "spark.llmaccel.generate.modelPath";

    /** Null: read from the executor's Spark configuration on first use. */
    private final String modelPath;

    /** The model the executors' Spark configuration names. */
    public GenerateFunction() {
        this(null);
    }

    public GenerateFunction(String modelPath) {
        this.modelPath = modelPath;
    }

    @Override
    public String call(String prompt, Integer maxTokens) {
        if (prompt == null) {
            return null;
        }
        int limit = maxTokens == null ? -1 : maxTokens;
        GeneratorSpec spec = GeneratorSpec.greedy(modelPath(), -1);
        return spec.generate(List.of(new GeneratorSpec.Prompt(prompt, spec.seed(), limit))).get(0);
    }

    private String modelPath() {
        String path = modelPath;
        if (path == null && SparkEnv.get() != null) {
            path = SparkEnv.get().conf().get(MODEL_CONF, null);
        }
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("llm_generate has no model: set " + MODEL_CONF
                    + " to a GGUF file (--conf at submission), or register it with LlmaccelFunctions.register(spark, embedModel, generateModel)");
        }
        return path;
    }
}
