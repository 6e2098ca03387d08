package dev.llmaccel.bench;

import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding and decoding about 4 KB of mixed text (prose, numbers, code, accents, CJK, emoji) with
 * the conformance vocabularies of ../shared/vocab. Run from the repository root:
 * {@code java -jar bench/target/benchmarks.jar TokenizerBenchmark}. The figure that matters is
 * ms per 4 KB, which should stay in milliseconds. The warm-up is long because the JIT needs a few
 * hundred calls to compile the merge loops on a busy two-core machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class TokenizerBenchmark {
    /** Vocabulary files under ../shared/vocab: SentencePiece BPE, byte-level BPE, WordPiece. */
    @Param({"llama-spm", "gpt-2", "bert-bge"})
    public String vocabulary;

    private Tokenizer tokenizer;
    private String text;
    private int[] ids;

    private static final String PARAGRAPH =
            "Once upon a time, in 1987, a curious engineer named Zo\u00EB wrote 3,141 lines of C++ "
            + "to tokenize text: `for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }`. "
            + "She didn't expect caf\u00E9s in M\u00FCnchen, \u4E2D\u6587\u6587\u672C or \uD83E\uDD99 emoji!\n\n"
            + "    Indented lines, tabs\tand    runs of spaces also appear; so do URLs like https://example.org/a?b=c.\n";

    @Setup
    public void setUp() throws IOException {
        Path file = Path.of("..", "shared", "vocab", "ggml-vocab-" + vocabulary + ".gguf").toAbsolutePath().normalize();
        if (!Files.exists(file)) {
            throw new IllegalStateException(file + " is missing: run from the repository root with ../shared present");
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            tokenizer = Tokenizers.fromGguf(gguf);
        }
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 4096) {
            sb.append(PARAGRAPH);
        }
        text = sb.toString();
        ids = tokenizer.encode(text);
    }

    @Benchmark
    public int[] encode4k() {
        return tokenizer.encode(text);
    }

    @Benchmark
    public String decode4k() {
        return tokenizer.decode(ids);
    }
}
