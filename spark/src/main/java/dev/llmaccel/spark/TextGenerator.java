package dev.llmaccel.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
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
 * A Spark ML stage that continues each row's prompt with a decoder (a GGUF file): a column of
 * strings in, a column of generated strings out (null for a null prompt). The model is opened once
 * per executor JVM; with {@code batching} on (the default) every task of that JVM submits its
 * rows to one serving engine, which decodes all running prompts in one forward pass per step
 * (continuous batching); with it off, each task runs its rows one after another.
 *
 * <pre>{@code
 * TextGenerator generator = new TextGenerator().setModelPath("hdfs:///models/qwen2.5-0.5b-q8_0.gguf")
 *         .setPromptCol("prompt").setOutputCol("answer").setMaxTokens(64).setTemperature(0);
 * Dataset<Row> answers = generator.transform(prompts);
 * }</pre>
 *
 * <p>Params: {@code promptCol} ("prompt"), {@code outputCol} ("completion"), {@code modelPath}
 * (required), {@code maxTokens} (128; -1: until an end token or a full context), sampling as
 * llama.cpp's defaults ({@code temperature} 0.8, 0 for greedy; {@code topK} 40, {@code topP}
 * 0.95, {@code minP} 0.05, {@code repeatPenalty} 1.0), {@code stopStrings} (none), {@code seed}
 * (0) and {@code seedCol} (a long or int column whose value seeds its row; unset: every row takes
 * {@code seed}, so a row's text does not depend on how the data is partitioned),
 * {@code contextSize} (2048), {@code batching} (true), {@code parallel} (16 prompts decoded
 * together per JVM), {@code kvCacheTokens} (8192).
 */
public final class TextGenerator extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> promptCol;
    private final Param<String> outputCol;
    private final Param<String> modelPath;
    private final IntParam maxTokens;
    private final FloatParam temperature;
    private final IntParam topK;
    private final FloatParam topP;
    private final FloatParam minP;
    private final FloatParam repeatPenalty;
    private final StringArrayParam stopStrings;
    private final LongParam seed;
    private final Param<String> seedCol;
    private final IntParam contextSize;
    private final BooleanParam batching;
    private final IntParam parallel;
    private final IntParam kvCacheTokens;

    public TextGenerator() {
        this(Identifiable.randomUID("textGenerator"));
    }

    /** The constructor Spark's reader and {@link #copy} call. */
    public TextGenerator(String uid) {
        this.uid = uid;
        promptCol = new Param<>(this, "promptCol", "column of prompts (string)");
        outputCol = new Param<>(this, "outputCol", "column of generated texts to add (string)");
        modelPath = new Param<>(this, "modelPath", "a GGUF file: a path on every executor or a URI Spark distributes");
        maxTokens = new IntParam(this, "maxTokens", "tokens to generate at most; -1: until an end token or a full context",
                ParamValidators.gtEq(-1));
        temperature = new FloatParam(this, "temperature", "sampling temperature; 0 is greedy", ParamValidators.gtEq(0));
        topK = new IntParam(this, "topK", "keep the k most likely tokens; 0 keeps all", ParamValidators.gtEq(0));
        topP = new FloatParam(this, "topP", "nucleus sampling in (0, 1]; 1 is off", ParamValidators.inRange(0, 1, false, true));
        minP = new FloatParam(this, "minP", "drop tokens below minP times the best one's probability, in [0, 1)",
                ParamValidators.inRange(0, 1, true, false));
        repeatPenalty = new FloatParam(this, "repeatPenalty", "penalty of repeated tokens; 1 is off", ParamValidators.gt(0));
        stopStrings = new StringArrayParam(this, "stopStrings", "generation stops before the first of these");
        seed = new LongParam(this, "seed", "the sampler's seed for rows without a seedCol value");
        seedCol = new Param<>(this, "seedCol", "column of per-row seeds (long or int); unset: every row takes seed");
        contextSize = new IntParam(this, "contextSize", "tokens of prompt and continuation at most (capped by the model's)",
                ParamValidators.gtEq(1));
        batching = new BooleanParam(this, "batching", "whether each JVM's rows run on one batching engine"
                + " (else one after another)");
        parallel = new IntParam(this, "parallel", "prompts the engine decodes together", ParamValidators.gtEq(1));
        kvCacheTokens = new IntParam(this, "kvCacheTokens", "tokens of the engine's paged KV cache", ParamValidators.gtEq(1));
        setDefault(promptCol, "prompt");
        setDefault(outputCol, "completion");
        setDefault(maxTokens, 128);
        setDefault(temperature, 0.8f);
        setDefault(topK, 40);
        setDefault(topP, 0.95f);
        setDefault(minP, 0.05f);
        setDefault(repeatPenalty, 1.0f);
        setDefault(stopStrings, new String[0]);
        setDefault(seed, 0L);
        setDefault(contextSize, 2048);
        setDefault(batching, true);
        setDefault(parallel, 16);
        setDefault(kvCacheTokens, 8192);
    }

    /** Reads a stage saved with {@code write().save(path)} (also what {@code PipelineModel.load} calls). */
    public static MLReader<TextGenerator> read() {
        return new DefaultParamsReader<>();
    }

    public static TextGenerator load(String path) {
        return read().load(path);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> promptCol() {
        return promptCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> modelPath() {
        return modelPath;
    }

    public IntParam maxTokens() {
        return maxTokens;
    }

    public FloatParam temperature() {
        return temperature;
    }

    public IntParam topK() {
        return topK;
    }

    public FloatParam topP() {
        return topP;
    }

    public FloatParam minP() {
        return minP;
    }

    public FloatParam repeatPenalty() {
        return repeatPenalty;
    }

    public StringArrayParam stopStrings() {
        return stopStrings;
    }

    public LongParam seed() {
        return seed;
    }

    public Param<String> seedCol() {
        return seedCol;
    }

    public IntParam contextSize() {
        return contextSize;
    }

    public BooleanParam batching() {
        return batching;
    }

    public IntParam parallel() {
        return parallel;
    }

    public IntParam kvCacheTokens() {
        return kvCacheTokens;
    }

    public String getPromptCol() {
        return getOrDefault(promptCol);
    }

    public String getOutputCol() {
        return getOrDefault(outputCol);
    }

    /** The model path, or null when none is set. */
    public String getModelPath() {
        return isDefined(modelPath) ? getOrDefault(modelPath) : null;
    }

    public int getMaxTokens() {
        return (Integer) getOrDefault(maxTokens);
    }

    public float getTemperature() {
        return (Float) getOrDefault(temperature);
    }

    public int getTopK() {
        return (Integer) getOrDefault(topK);
    }

    public float getTopP() {
        return (Float) getOrDefault(topP);
    }

    public float getMinP() {
        return (Float) getOrDefault(minP);
    }

    public float getRepeatPenalty() {
        return (Float) getOrDefault(repeatPenalty);
    }

    public String[] getStopStrings() {
        return getOrDefault(stopStrings);
    }

    public long getSeed() {
        return (Long) getOrDefault(seed);
    }

    /** The seed column, or null when rows take {@link #getSeed()}. */
    public String getSeedCol() {
        return isDefined(seedCol) ? getOrDefault(seedCol) : null;
    }

    public int getContextSize() {
        return (Integer) getOrDefault(contextSize);
    }

    public boolean getBatching() {
        return (Boolean) getOrDefault(batching);
    }

    public int getParallel() {
        return (Integer) getOrDefault(parallel);
    }

    public int getKvCacheTokens() {
        return (Integer) getOrDefault(kvCacheTokens);
    }

    public TextGenerator setPromptCol(String column) {
        set(promptCol, column);
        return this;
    }

    public TextGenerator setOutputCol(String column) {
        set(outputCol, column);
        return this;
    }

    public TextGenerator setModelPath(String path) {
        set(modelPath, path);
        return this;
    }

    public TextGenerator setMaxTokens(int n) {
        set(maxTokens, n);
        return this;
    }

    public TextGenerator setTemperature(float t) {
        set(temperature, t);
        return this;
    }

    public TextGenerator setTopK(int k) {
        set(topK, k);
        return this;
    }

    public TextGenerator setTopP(float p) {
        set(topP, p);
        return this;
    }

    public TextGenerator setMinP(float p) {
        set(minP, p);
        return this;
    }

    public TextGenerator setRepeatPenalty(float r) {
        set(repeatPenalty, r);
        return this;
    }

    public TextGenerator setStopStrings(String... stops) {
        set(stopStrings, stops.clone());
        return this;
    }

    public TextGenerator setSeed(long s) {
        set(seed, s);
        return this;
    }

    public TextGenerator setSeedCol(String column) {
        set(seedCol, column);
        return this;
    }

    public TextGenerator setContextSize(int n) {
        set(contextSize, n);
        return this;
    }

    public TextGenerator setBatching(boolean on) {
        set(batching, on);
        return this;
    }

    public TextGenerator setParallel(int n) {
        set(parallel, n);
        return this;
    }

    public TextGenerator setKvCacheTokens(int n) {
        set(kvCacheTokens, n);
        return this;
    }

    GeneratorSpec spec() {
        GeneratorSpec.Sampling sampling = new GeneratorSpec.Sampling(getTemperature(), getTopK(), getTopP(), getMinP(),
                getRepeatPenalty());
        return new GeneratorSpec(getModelPath(), getContextSize(), getBatching() ? getParallel() : 0, getKvCacheTokens(),
                getMaxTokens(), sampling, List.of(getStopStrings()), getSeed());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Columns.requireString(schema, getPromptCol(), "prompt");
        String seeds = getSeedCol();
        if (seeds != null) {
            DataType type = List.of(schema.fieldNames()).contains(seeds)
                    ? schema.apply(seeds).dataType() : null;
            if (!DataTypes.LongType.equals(type) && !DataTypes.IntegerType.equals(type)) {
                throw new IllegalArgumentException("the seed column '" + seeds + "' must be bigint or int, it is "
                        + (type == null ? "not in the data: " + schema.simpleString() : type.simpleString()));
            }
        }
        Columns.requireAbsent(schema, getOutputCol());
        return schema.add(getOutputCol(), DataTypes.StringType, true);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        GeneratorSpec spec = spec();
        ModelFiles.distribute(dataset.sparkSession(), spec.modelPath());
        StructType in = dataset.schema();
        int prompt = in.fieldIndex(getPromptCol());
        int seeds = getSeedCol() == null ? -1 : in.fieldIndex(getSeedCol());
        // a chunk keeps the engine's batch full: several prompts per running slot
        int chunk = spec.parallel() > 0 ? 4 * spec.parallel() : 64;
        return dataset.toDF().mapPartitions(new GeneratePartition(spec, prompt, seeds, chunk), Encoders.row(out));
    }

    @Override
    public TextGenerator copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public String toString() {
        return "TextGenerator: uid=" + uid + ", model " + getModelPath() + ", " + getPromptCol() + " -> " + getOutputCol();
    }

    /** Continues a partition's prompts in chunks; what the executors run (holds the spec, not the stage). */
    private static final class GeneratePartition implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final GeneratorSpec spec;
        private final int prompt;
        private final int seeds;
        private final int chunk;

        GeneratePartition(GeneratorSpec spec, int prompt, int seeds, int chunk) {
            this.spec = spec;
            this.prompt = prompt;
            this.seeds = seeds;
            this.chunk = chunk;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return new ChunkedRows(rows, chunk, rowsOfChunk -> {
                List<GeneratorSpec.Prompt> prompts = new ArrayList<>(rowsOfChunk.size());
                for (Row r : rowsOfChunk) {
                    long s = seeds < 0 || r.isNullAt(seeds) ? spec.seed() : ((Number) r.get(seeds)).longValue();
                    prompts.add(new GeneratorSpec.Prompt(r.isNullAt(prompt) ? null : r.getString(prompt), s, spec.maxTokens()));
                }
                List<String> texts = spec.generate(prompts);
                List<Row> out = new ArrayList<>(rowsOfChunk.size());
                for (int i = 0; i < rowsOfChunk.size(); i++) {
                    out.add(ChunkedRows.appended(rowsOfChunk.get(i), texts.get(i)));
                }
                return out;
            });
        }
    }
}
