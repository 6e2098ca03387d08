package dev.llmaccel.bench;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sentence embeddings per second with all-MiniLM-L6-v2: llmaccel's {@link Embedder} against
 * LangChain4j's {@code AllMiniLmL6V2EmbeddingModel} (ONNX Runtime), on the same texts in the same
 * run. Each call embeds {@code batch} texts of exactly {@code tokens} tokens ([CLS] and [SEP]
 * included); the {@code sentences} counter is the figure that matters (sentences/s).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar EmbeddingThroughput}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
@State(Scope.Benchmark)
public class EmbeddingThroughputBenchmark {
    @Param({"llmaccel", "onnxruntime"})
    public String engine;

    @Param({"1", "32"})
    public int batch;

    @Param({"32", "128"})
    public int tokens;

    private Embedder embedder;
    private EmbeddingModel onnx;
    private List<String> texts;
    private List<TextSegment> segments;

    /** Counts embedded sentences, so JMH reports sentences/s beside calls/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Sentences {
        public long sentences;
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        embedder = Embedder.load();  // the tokenizer sizes the texts for both engines
        texts = texts(embedder.model().tokenizer(), batch, tokens);
        segments = texts.stream().map(TextSegment::from).toList();
        if (engine.equals("onnxruntime")) {
            embedder.close();
            embedder = null;
            onnx = new AllMiniLmL6V2EmbeddingModel();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (embedder != null) {
            embedder.close();
        }
    }

    @Benchmark
    public Object embed(Sentences counter) {
        counter.sentences += batch;
        return embedder != null ? embedder.embedAll(texts) : onnx.embedAll(segments).content();
    }

    /** n different texts of exactly length tokens each with [CLS] and [SEP], from everyday words. */
    static List<String> texts(Tokenizer tokenizer, int n, int length) {
        String[] words = ("the a of and to in is that it for on was with as by at from this be are or have an they "
                + "which one you were all we when there can more if out so said what up its about into than them "
                + "time only new some could these two may first then do any like my now over such our man me even "
                + "most made after also did many before must through back years where much your way well down "
                + "should because each just those people how too little state good very make world still own see "
                + "men work long get here between both life being under never day same another know while last "
                + "might us great old year off come since against go came right used take three river garden "
                + "computer music weather morning station market doctor window coffee history language").split(" ");
        Random random = new Random(length * 31L + n);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder text = new StringBuilder();
            while (tokenizer.encode(text.toString(), true, false).length < length) {
                text.append(text.length() == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            String s = text.toString();
            while (tokenizer.encode(s, true, false).length > length) {
                s = s.substring(0, s.lastIndexOf(' '));
            }
            while (tokenizer.encode(s, true, false).length < length) {
                s = s + " a";
            }
            if (tokenizer.encode(s, true, false).length != length) {
                throw new IllegalStateException("cannot make a text of exactly " + length + " tokens");
            }
            out.add(s);
        }
        return out;
    }
}
