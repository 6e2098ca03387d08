package dev.llmaccel.spark;

import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.api.java.UDF1;

/**
 * SQL's {@code llm_embed(text)}: the text's sentence embedding as {@code array<float>} (null for
 * null), on the executor JVM's one model. Each call embeds one row; {@link SentenceEmbedder}
 * embeds whole chunks of a partition in batched passes and is the faster way over many rows.
 *
 * <p>The no-argument constructor is PySpark's {@code spark.udf.registerJavaFunction}'s: its model
 * is the Spark configuration's {@value #MODEL_CONF} (set with {@code --conf} at submission), else
 * the shipped all-MiniLM-L6-v2.
 */
public final class EmbedFunction implements UDF1<String, float[]> {
    private static final long serialVersionUID = 1L;
    /** Spark configuration key of the model path ("default" or unset: all-MiniLM-L6-v2). */
    public static final String MODEL_CONF = "spark.llmaccel.embed.modelPath";

    /** Null: read from the executor's Spark configuration on first use. */
    private final String modelPath;
    private transient EmbedderSpec spec;

    /** The model the executors' Spark configuration names, else all-MiniLM-L6-v2. */
    public EmbedFunction() {
        this(null);
    }

    /** This model ("default": all-MiniLM-L6-v2), with the embedder's defaults. */
    public EmbedFunction(String modelPath) {
        this.modelPath = modelPath;
    }

    @Override
    public float[] call(String text) {
        if (text == null) {
            return null;
        }
        return spec().embed(List.of(text)).get(0);
    }

    private EmbedderSpec spec() {
        if (spec == null) {
            String path = modelPath;
            if (path == null && SparkEnv.get() != null) {
                path = SparkEnv.get().conf().get(MODEL_CONF, EmbedderSpec.DEFAULT_MODEL);
            }
            EmbedderSpec d = EmbedderSpec.defaults();
            spec = new EmbedderSpec(path == null ? d.modelPath() : path, d.longTextPolicy(), d.batchSize(), d.normalize());
        }
        return spec;
    }
}
