package dev.llmaccel.spark;

import dev.llmaccel.model.bert.LongTextPolicy;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML stage that adds each text's sentence embedding: a column of strings in, a column of
 * {@code array<float>} out (null for a null text). The model is opened once per executor JVM and
 * shared by its tasks; each partition is embedded in chunks of {@link #ROWS_PER_CALL} rows, each
 * one batched {@link dev.llmaccel.model.bert.Embedder#embedAll} call (texts of similar length
 * share a padded pass).
 *
 * <pre>{@code
 * SentenceEmbedder embedder = new SentenceEmbedder().setInputCol("text").setOutputCol("embedding");
 * Dataset<Row> vectors = embedder.transform(sentences);   // all-MiniLM-L6-v2: 384 floats per row
 * embedder.write().overwrite().save("hdfs:///models/embedder");
 * }</pre>
 *
 * <p>Params: {@code inputCol} ("text"), {@code outputCol} ("embedding"), {@code modelPath}
 * ("default": the shipped all-MiniLM-L6-v2; else a GGUF or ONNX file or a safetensors folder, as a
 * path every executor sees or a URI Spark distributes), {@code batchSize} (32 token windows per
 * pass), {@code normalize} (true: unit vectors), {@code longTextPolicy} ("TRUNCATE" or
 * "CHUNK_AND_AVERAGE", see {@link LongTextPolicy}).
 */
public final class SentenceEmbedder extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    /** Rows handed to one embedAll call: enough for length sorting to leave little padding. */
    static final int ROWS_PER_CALL = 1024;

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> modelPath;
    private final IntParam batchSize;
    private final BooleanParam normalize;
    private final Param<String> longTextPolicy;

    public SentenceEmbedder() {
        this(Identifiable.randomUID("sentenceEmbedder"));
    }

    /** The constructor Spark's reader and {@link #copy} call. */
    public SentenceEmbedder(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "column of texts (string)");
        outputCol = new Param<>(this, "outputCol", "column of embeddings to add (array<float>)");
        modelPath = new Param<>(this, "modelPath", "'default' (the shipped all-MiniLM-L6-v2), or a GGUF or ONNX file"
                + " or safetensors folder: a path on every executor or a URI Spark distributes");
        batchSize = new IntParam(this, "batchSize", "token windows per padded pass (>= 1)", ParamValidators.gtEq(1));
        normalize = new BooleanParam(this, "normalize", "whether vectors are scaled to unit length");
        List<String> policies = new ArrayList<>();
        for (LongTextPolicy p : LongTextPolicy.values()) {
            policies.add(p.name());
        }
        longTextPolicy = new Param<>(this, "longTextPolicy", "texts beyond the model's token limit: " + policies,
                ParamValidators.inArray(policies));
        EmbedderSpec d = EmbedderSpec.defaults();
        setDefault(inputCol, "text");
        setDefault(outputCol, "embedding");
        setDefault(modelPath, d.modelPath());
        setDefault(batchSize, d.batchSize());
        setDefault(normalize, d.normalize());
        setDefault(longTextPolicy, d.longTextPolicy());
    }

    /** Reads a stage saved with {@code write().save(path)} (also what {@code PipelineModel.load} calls). */
    public static MLReader<SentenceEmbedder> read() {
        return new DefaultParamsReader<>();
    }

    public static SentenceEmbedder load(String path) {
        return read().load(path);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> modelPath() {
        return modelPath;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public BooleanParam normalize() {
        return normalize;
    }

    public Param<String> longTextPolicy() {
        return longTextPolicy;
    }

    public String getInputCol() {
        return getOrDefault(inputCol);
    }

    public String getOutputCol() {
        return getOrDefault(outputCol);
    }

    public String getModelPath() {
        return getOrDefault(modelPath);
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    public boolean getNormalize() {
        return (Boolean) getOrDefault(normalize);
    }

    public String getLongTextPolicy() {
        return getOrDefault(longTextPolicy);
    }

    public SentenceEmbedder setInputCol(String column) {
        set(inputCol, column);
        return this;
    }

    public SentenceEmbedder setOutputCol(String column) {
        set(outputCol, column);
        return this;
    }

    public SentenceEmbedder setModelPath(String path) {
        set(modelPath, path);
        return this;
    }

    public SentenceEmbedder setBatchSize(int n) {
        set(batchSize, n);
        return this;
    }

    public SentenceEmbedder setNormalize(boolean on) {
        set(normalize, on);
        return this;
    }

    public SentenceEmbedder setLongTextPolicy(String policy) {
        set(longTextPolicy, EmbedderSpec.policy(policy).name());
        return this;
    }

    EmbedderSpec spec() {
        return new EmbedderSpec(getModelPath(), getLongTextPolicy(), getBatchSize(), getNormalize());
    }

    /** The output column's type: array of non-null floats. */
    static DataType vectorType() {
        return DataTypes.createArrayType(DataTypes.FloatType, false);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Columns.requireString(schema, getInputCol(), "input");
        Columns.requireAbsent(schema, getOutputCol());
        return schema.add(getOutputCol(), vectorType(), true);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        EmbedderSpec spec = spec();
        if (!spec.isDefaultModel()) {
            ModelFiles.distribute(dataset.sparkSession(), spec.modelPath());
        }
        int input = dataset.schema().fieldIndex(getInputCol());
        return dataset.toDF().mapPartitions(new EmbedPartition(spec, input), Encoders.row(out));
    }

    @Override
    public SentenceEmbedder copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public String toString() {
        return "SentenceEmbedder: uid=" + uid + ", " + spec() + ", " + getInputCol() + " -> " + getOutputCol();
    }

    /** Embeds a partition's rows in chunks; what the executors run (holds the spec, not the stage). */
    private static final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final EmbedderSpec spec;
        private final int input;

        EmbedPartition(EmbedderSpec spec, int input) {
            this.spec = spec;
            this.input = input;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return new ChunkedRows(rows, ROWS_PER_CALL, chunk -> {
                List<String> texts = new ArrayList<>(chunk.size());
                for (Row r : chunk) {
                    texts.add(r.isNullAt(input) ? null : r.getString(input));
                }
                List<float[]> vectors = spec.embed(texts);
                List<Row> out = new ArrayList<>(chunk.size());
                for (int i = 0; i < chunk.size(); i++) {
                    out.add(ChunkedRows.appended(chunk.get(i), vectors.get(i)));
                }
                return out;
            });
        }
    }
}
