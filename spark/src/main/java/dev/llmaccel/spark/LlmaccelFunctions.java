package dev.llmaccel.spark;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * Registers llmaccel's SQL functions on a session:
 * {@code llm_embed(text)} ({@link EmbedFunction}, {@code array<float>}) and
 * {@code llm_generate(prompt, max_tokens)} ({@link GenerateFunction}, {@code string}).
 *
 * <pre>{@code
 * LlmaccelFunctions.register(spark);
 * spark.sql("SELECT id, llm_embed(body) AS v FROM docs");
 * spark.sql("SELECT llm_generate(question, 64) FROM questions");
 * }</pre>
 *
 * <p>From PySpark, the same classes through {@code registerJavaFunction}:
 * <pre>
 * spark.udf.registerJavaFunction("llm_embed", "dev.llmaccel.spark.EmbedFunction", ArrayType(FloatType()))
 * spark.udf.registerJavaFunction("llm_generate", "dev.llmaccel.spark.GenerateFunction", StringType())
 * </pre>
 */
public final class LlmaccelFunctions {
    private LlmaccelFunctions() {}

    /**
     * Registers both functions with the models of the session's configuration:
     * {@value EmbedFunction#MODEL_CONF} (unset: all-MiniLM-L6-v2) and
     * {@value GenerateFunction#MODEL_CONF} (needed once llm_generate is called).
     */
    public static void register(SparkSession spark) {
        register(spark, spark.conf().get(EmbedFunction.MODEL_CONF, EmbedderSpec.DEFAULT_MODEL),
                spark.conf().get(GenerateFunction.MODEL_CONF, null));
    }

    /**
     * Registers both functions with these models.
     *
     * @param embedModel "default" (all-MiniLM-L6-v2) or a sentence model's file or folder
     * @param generateModel a GGUF file, or null to leave llm_generate failing with a message until one is configured
     */
    public static void register(SparkSession spark, String embedModel, String generateModel) {
        ModelFiles.distribute(spark, embedModel);
        if (generateModel != null) {
            ModelFiles.distribute(spark, generateModel);
        }
        spark.udf().register("llm_embed", new EmbedFunction(embedModel), SentenceEmbedder.vectorType());
        spark.udf().register("llm_generate", new GenerateFunction(generateModel), DataTypes.StringType);
    }
}
