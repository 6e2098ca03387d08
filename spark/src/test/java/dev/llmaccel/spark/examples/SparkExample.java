package dev.llmaccel.spark.examples;

import dev.llmaccel.spark.LlmaccelFunctions;
import dev.llmaccel.spark.SentenceEmbedder;
import dev.llmaccel.spark.TextGenerator;
import java.io.IOException;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * README.md's Spark snippet, compiled here (this module has Spark on its class path) and checked
 * word for word against the README by the examples module's ReadmeSnippetsTest. It is not run: its
 * paths are a cluster's; SentenceEmbedderTest and TextGeneratorTest run the same calls locally.
 */
final class SparkExample {
    private SparkExample() {}

    static void run(SparkSession spark, Dataset<Row> docs, Dataset<Row> prompts) throws IOException {
        // README: Apache Spark
        // text -> array<float> (384 for the shipped all-MiniLM-L6-v2); saves and loads like any ML stage
        SentenceEmbedder embedder = new SentenceEmbedder().setInputCol("text").setOutputCol("embedding");
        Dataset<Row> vectors = embedder.transform(docs);
        new Pipeline().setStages(new PipelineStage[] {embedder}).fit(docs).write().overwrite().save("hdfs:///pipelines/embed");

        // prompt -> completion; the rows of every task of an executor share one batching engine
        TextGenerator generator = new TextGenerator().setModelPath("hdfs:///models/qwen2.5-0.5b-instruct-q8_0.gguf")
                .setPromptCol("prompt").setOutputCol("answer").setMaxTokens(64)
                .setTemperature(0.7f).setSeedCol("seed");     // a per-row seed: the same text however the data is split
        Dataset<Row> answers = generator.transform(prompts);

        LlmaccelFunctions.register(spark);                    // llm_embed(text), llm_generate(prompt, max_tokens)
        spark.sql("SELECT id, llm_embed(body) AS v, llm_generate(question, 32) AS a FROM t");
        // README: end
    }
}
