package dev.llmaccel.bench;

import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.grammar.Grammar;
import dev.llmaccel.grammar.TokenConstraint;
import dev.llmaccel.grammar.TokenVocabulary;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
 * The per-token cost of grammar masking under the any-JSON grammar, in µs, on one thread.
 * <ul>
 *   <li>{@code check}: one sampled token tested, what a step costs when the grammar accepts the
 *       unconstrained pick;
 *   <li>{@code mask}: every rejected token ruled out by a walk of the vocabulary's trie, the
 *       automaton warm (a token limit that binds here keeps the per-state mask cache out of it);
 *   <li>{@code maskCached}: the same state masked again, from the constraint's cache;
 *   <li>{@code maskCold}: a fresh constraint brought to the state and masked: the first mask of a
 *       request, every transition computed anew;
 *   <li>{@code document}: a 60-token JSON document written token by token from a fresh
 *       constraint, masking at every step (a random model, whose picks are always rejected); the
 *       score is per document, divide by {@link #DOCUMENT}'s token count (printed) for per token.
 * </ul>
 * Compare with {@link DecodeBenchmark}'s step time.
 *
 * <p>Vocabularies: {@code synthetic-N} from {@link SyntheticVocabulary}; {@code llama-spm} (32k,
 * SentencePiece) and {@code gpt-2} (50k, byte-level BPE) from ../shared/vocab (run from the
 * repository root, or set {@code -Dllmaccel.shared}). States: the text written so far, at the
 * start of a value, inside a string (nearly every token allowed: the longest walk), inside a
 * number, after a value inside an object.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar GrammarMaskBench}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@State(Scope.Benchmark)
public class GrammarMaskBench {
    /** A document of strings, numbers, nesting and non-ASCII text, for {@link #document}. */
    static final String DOCUMENT = "{\"id\": 1042, \"name\": \"Zoë Martín\", \"tags\": [\"alpha\", \"beta\"],"
            + " \"score\": -12.75e2, \"active\": true, \"notes\": \"日本語 and \\\"quotes\\\"\", \"next\": null,"
            + " \"items\": [{\"sku\": \"A-1\", \"qty\": 3}, {\"sku\": \"B-22\", \"qty\": 10}]}";

    @Param({"synthetic-32000", "synthetic-128256", "synthetic-151936", "llama-spm", "gpt-2"})
    public String vocabulary;

    @Param({"value", "string", "number", "after-value"})
    public String state;

    private TokenVocabulary tokens;
    private int[] byteToken;
    private byte[] prefix;
    private Grammar grammar;
    private TokenConstraint constraint;
    private TokenConstraint limited;
    private float[] logits;
    private int sampled;
    private int[] document;

    @Setup
    public void setup() throws IOException {
        tokens = load(vocabulary);
        System.err.printf("%s: %d tokens, %d trie nodes%n", vocabulary, tokens.size(), tokens.trieNodes());
        byteToken = new int[256];
        Arrays.fill(byteToken, -1);
        for (int id = tokens.size() - 1; id >= 0; id--) {
            byte[] b = tokens.bytes(id);
            if (b.length == 1 && !tokens.isEnd(id)) {
                byteToken[b[0] & 0xFF] = id;
            }
        }
        prefix = (switch (state) {
            case "value" -> "{\"name\": ";
            case "string" -> "{\"name\": \"Jo";
            case "number" -> "{\"age\": 4";
            case "after-value" -> "{\"name\": \"Jo\"";
            default -> throw new IllegalArgumentException("unknown state " + state);
        }).getBytes(StandardCharsets.UTF_8);
        grammar = Grammar.json();
        constraint = advanced(-1);
        limited = advanced(prefix.length + 2);
        document = spell(DOCUMENT.getBytes(StandardCharsets.UTF_8));
        System.err.printf("document: %d tokens%n", document.length);
        logits = new float[tokens.size()];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian();
        }
        // a token the grammar allows here, as a sampler would have picked
        BitSet allowed = constraint.allowedTokens();
        int k = r.nextInt(allowed.cardinality());
        sampled = allowed.nextSetBit(0);
        for (int i = 0; i < k; i++) {
            sampled = allowed.nextSetBit(sampled + 1);
        }
    }

    /** A fresh constraint (token limit: -1 for none) past the prefix, written with single-byte tokens. */
    private TokenConstraint advanced(int limit) {
        TokenConstraint c = new TokenConstraint(grammar, tokens, limit);
        for (byte b : prefix) {
            int id = byteToken[b & 0xFF];
            if (id < 0) {
                throw new IllegalStateException(vocabulary + " has no token for byte " + (b & 0xFF));
            }
            c.accept(id);
        }
        return c;
    }

    /** Ids spelling text, longest token first (as a BPE tokenizer roughly would). */
    private int[] spell(byte[] text) {
        Map<String, Integer> ids = new HashMap<>();
        int longest = 0;
        for (int id = 0; id < tokens.size(); id++) {
            byte[] b = tokens.bytes(id);
            if (b.length > 0 && !tokens.isEnd(id)) {
                ids.putIfAbsent(new String(b, StandardCharsets.ISO_8859_1), id);
                longest = Math.max(longest, b.length);
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < text.length; ) {
            for (int n = Math.min(longest, text.length - i); n >= 1; n--) {
                Integer id = ids.get(new String(text, i, n, StandardCharsets.ISO_8859_1));
                if (id != null) {
                    out.add(id);
                    i += n;
                    break;
                }
                if (n == 1) {
                    throw new IllegalStateException(vocabulary + " cannot spell byte " + (text[i] & 0xFF));
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Benchmark
    public float[] mask() {
        limited.mask(logits);
        return logits;
    }

    @Benchmark
    public float[] maskCached() {
        constraint.mask(logits);
        return logits;
    }

    @Benchmark
    public float[] maskCold() {
        advanced(-1).mask(logits);
        return logits;
    }

    @Benchmark
    public float[] document() {
        TokenConstraint c = new TokenConstraint(grammar, tokens, 2 * document.length);
        for (int id : document) {
            c.mask(logits);
            c.accept(id);
        }
        return logits;
    }

    @Benchmark
    public boolean check() {
        return constraint.allows(sampled);
    }

    static TokenVocabulary load(String name) throws IOException {
        if (name.startsWith("synthetic-")) {
            BitSet ends = new BitSet();
            List<byte[]> t = SyntheticVocabulary.tokens(Integer.parseInt(name.substring("synthetic-".length())), ends);
            return TokenVocabulary.of(t, ends);
        }
        Path file = Path.of(System.getProperty("llmaccel.shared", "../shared"), "vocab", "ggml-vocab-" + name + ".gguf");
        if (!Files.exists(file)) {
            throw new IOException(file.toAbsolutePath() + " is not present: run from the repository root beside ../shared, or set -Dllmaccel.shared");
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            return TokenVocabulary.of(tokenizer);
        }
    }
}
