package dev.llmaccel.corpus;

import static dev.llmaccel.corpus.Corpus.Expect.CLEAN;
import static dev.llmaccel.corpus.Corpus.Expect.REJECT;
import static dev.llmaccel.corpus.Corpus.Expect.SAME;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.corpus.Corpus.Case;
import dev.llmaccel.corpus.Corpus.Expect;
import dev.llmaccel.corpus.ProtoFields.Field;
import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.model.bert.EmbedderOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 10: the default model's ONNX file (all-MiniLM-L6-v2, as exported from PyTorch)
 * mutated in place, one copy patched and restored per case: protobuf tags and wire types, message
 * lengths, node fields, initializers' dims, data types, raw data lengths, names and values,
 * truncations and seeded random bytes. Each mutant is loaded by {@link Embedder#load(Path)} (with
 * tokenizer.json beside it) and, if it loads, embeds one sentence; see {@link Corpus}.
 */
class OnnxCorpusTest {
    private static final String ONNX = "all-minilm-l6-v2.onnx";
    private static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    private static final String SENTENCE = "A corrupt file must fail cleanly.";
    private static final long SEED = 0x6f6e_6e78L;

    /** See {@link GgufCorpusTest}; none left since NaN weights give NonFiniteResultException (issue 14 item 5). */
    private static final Map<String, String> KNOWN_DEFECTS = Map.of();

    @TempDir
    static Path dir;
    private static Backend cpu;
    private static Path model;
    private static byte[] original;

    @BeforeAll
    static void copyModel() throws IOException {
        cpu = Backends.cpu();
        ClassLoader loader = OnnxCorpusTest.class.getClassLoader();
        try (InputStream onnx = loader.getResourceAsStream(ONNX); InputStream tokenizer = loader.getResourceAsStream(TOKENIZER)) {
            Assumptions.assumeTrue(onnx != null && tokenizer != null,
                    "skipped: the default model's artifact (llmaccel-all-minilm-l6-v2) is not on the class path");
            original = onnx.readAllBytes();
            model = Files.write(dir.resolve("model.onnx"), original);
            Files.write(dir.resolve("tokenizer.json"), tokenizer.readAllBytes());
        }
    }

    @AfterAll
    static void closeBackend() {
        if (cpu != null) {
            cpu.close();
        }
    }

    /** The embedding as text (exact floats), or a failure when it holds NaN (issue 14 item 5). */
    static String embed(Path file) throws IOException {
        try (Embedder e = Embedder.load(file, EmbedderOptions.defaults().withBackend(cpu))) {
            float[] v = e.embed(SENTENCE);
            for (float x : v) {
                if (!Float.isFinite(x)) {
                    throw new AssertionError("the embedding holds " + x + " (a NaN embedding must be an error)");
                }
            }
            return Arrays.toString(v);
        }
    }

    /** A patch of the file: bytes written at at, or (bytes null) the file cut to at. */
    private record Edit(Case c, int at, byte[] bytes) {}

    @TestFactory
    Stream<DynamicTest> mutants() throws IOException {
        String expected = embed(model);
        List<Edit> edits = new Mutants(original).all();
        assertTrue(edits.size() >= 100, "ONNX cases: " + edits.size());
        return edits.stream().map(e -> DynamicTest.dynamicTest(e.c().name(), () -> {
            apply(e);
            try {
                Corpus.check(e.c(), model, expected, OnnxCorpusTest::embed, KNOWN_DEFECTS);
            } finally {
                restore(e);
            }
        }));
    }

    private static void apply(Edit e) throws IOException {
        try (FileChannel ch = FileChannel.open(model, StandardOpenOption.WRITE)) {
            if (e.bytes() == null) {
                ch.truncate(e.at());
            } else {
                ch.write(ByteBuffer.wrap(e.bytes()), e.at());
            }
        }
    }

    private static void restore(Edit e) throws IOException {
        try (FileChannel ch = FileChannel.open(model, StandardOpenOption.WRITE)) {
            if (e.bytes() == null) {
                ch.write(ByteBuffer.wrap(original, e.at(), original.length - e.at()), e.at());
            } else {
                ch.write(ByteBuffer.wrap(original, e.at(), e.bytes().length), e.at());
            }
        }
    }

    private static final class Mutants {
        private final byte[] b;
        private final List<Edit> edits = new ArrayList<>();

        Mutants(byte[] b) {
            this.b = b;
        }

        private void add(String name, Expect expect, int at, byte[] bytes) {
            edits.add(new Edit(new Case(name, expect, null), at, bytes));
        }

        /** The varint at at rewritten to value in the same number of bytes. */
        private void varint(String name, Expect expect, int at, long value) {
            int width = ProtoFields.width(b, at);
            add(name, expect, at, ProtoFields.varintOfWidth(Math.min(value, ProtoFields.maxOfWidth(width)), width));
        }

        List<Edit> all() {
            List<Field> top = ProtoFields.parse(b, 0, b.length);
            Field graph = ProtoFields.first(top, 7);
            assertNotNull(graph, "the ONNX file has a graph");
            for (Field f : top) {
                String n = "model field " + f.number();
                add(n + " wire type 7", REJECT, f.tagAt(), new byte[] {(byte) (b[f.tagAt()] | 7)});
                add(n + " wire type 3 (group)", REJECT, f.tagAt(), new byte[] {(byte) ((b[f.tagAt()] & ~7) | 3)});
                if (f.wire() == 2) {
                    varint(n + " length max", REJECT, f.lengthAt(), Long.MAX_VALUE);
                    varint(n + " length +1", f.number() == 7 ? REJECT : CLEAN, f.lengthAt(), f.length() + 1);
                    varint(n + " length 0", f.number() == 7 ? REJECT : CLEAN, f.lengthAt(), 0);
                }
            }
            List<Field> g = ProtoFields.parse(b, graph);
            List<Field> nodes = g.stream().filter(f -> f.number() == 1).toList();
            List<Field> inits = g.stream().filter(f -> f.number() == 5).toList();
            assertTrue(nodes.size() > 10 && inits.size() > 10, nodes.size() + " nodes, " + inits.size() + " initializers");
            for (int i : new int[] {0, 1, 2, nodes.size() / 2, nodes.size() - 1}) {
                node(i, nodes.get(i));
            }
            // the first few, the word embeddings (the biggest), one from the middle, the last
            List<Integer> picks = new ArrayList<>(List.of(0, 1, 2, inits.size() / 2, inits.size() - 1));
            int biggest = 0;
            for (int i = 0; i < inits.size(); i++) {
                if (inits.get(i).length() > inits.get(biggest).length()) {
                    biggest = i;
                }
            }
            if (!picks.contains(biggest)) {
                picks.add(biggest);
            }
            for (int i : picks) {
                initializer(i, inits.get(i));
            }
            for (int cut : new int[] {0, 1, 2, 7, graph.valueAt(), graph.valueAt() + 1, nodes.get(3).valueAt(),
                    inits.get(0).tagAt(), inits.get(0).valueAt() + 3, inits.get(biggest).valueAt() + 1000,
                    b.length / 2, graph.end() - 1, b.length - 1}) {
                add("truncated at " + cut, REJECT, cut, null);
            }
            Random random = new Random(SEED);
            int headerEnd = inits.get(0).tagAt();
            for (int i = 0; i < 40; i++) {
                int at = random.nextInt(headerEnd);
                byte v = (byte) random.nextInt(256);
                add("random node byte " + at + " = " + (v & 0xFF), CLEAN, at, new byte[] {v});
            }
            return edits;
        }

        private void node(int index, Field node) {
            String n = "node " + index;
            varint(n + " length max", REJECT, node.lengthAt(), Long.MAX_VALUE);
            List<Field> fields = ProtoFields.parse(b, node);
            Field opType = ProtoFields.first(fields, 4);
            if (opType != null && opType.length() > 0) {
                add(n + " op_type changed", CLEAN, opType.valueAt(), new byte[] {(byte) (b[opType.valueAt()] ^ 0x01)});
                varint(n + " op_type length max", REJECT, opType.lengthAt(), Long.MAX_VALUE);
            }
            Field input = ProtoFields.first(fields, 1);
            if (input != null && input.length() > 0) {
                add(n + " input renamed", CLEAN, input.valueAt() + (int) input.length() - 1,
                        new byte[] {(byte) (b[input.valueAt() + (int) input.length() - 1] ^ 0x01)});
            }
        }

        private void initializer(int index, Field init) {
            List<Field> fields = ProtoFields.parse(b, init);
            Field name = ProtoFields.first(fields, 8);
            String n = "initializer " + index + " '" + new String(b, name.valueAt(), (int) name.length(),
                    java.nio.charset.StandardCharsets.UTF_8) + "'";
            varint(n + " length max", REJECT, init.lengthAt(), Long.MAX_VALUE);
            // position_ids is the exporter's constant 0..511, not a weight: the encoder counts positions itself
            boolean unused = n.endsWith("position_ids'");
            Field type = ProtoFields.first(fields, 2);
            for (long t : new long[] {0, 2, 6, 7, 10, 11, 16, 17, 127}) {
                if (t != type.varint()) {
                    // the raw data's size no longer fits, or the type is none a BERT weight has
                    varint(n + " data_type " + t, unused ? SAME : REJECT, type.valueAt(), t);
                }
            }
            for (Field dim : fields.stream().filter(f -> f.number() == 1 && f.wire() == 0).toList()) {
                int d = fields.indexOf(dim);
                varint(n + " dim@" + d + " 0", REJECT, dim.valueAt(), 0);
                varint(n + " dim@" + d + " +1", REJECT, dim.valueAt(), dim.varint() + 1);
                varint(n + " dim@" + d + " max", REJECT, dim.valueAt(), Long.MAX_VALUE);
            }
            Field raw = ProtoFields.first(fields, 9);
            if (raw != null) {
                varint(n + " raw_data length -4", REJECT, raw.lengthAt(), raw.length() - 4);
                varint(n + " raw_data length max", REJECT, raw.lengthAt(), Long.MAX_VALUE);
                add(n + " raw_data wire type 0", REJECT, raw.tagAt(), new byte[] {(byte) (b[raw.tagAt()] & ~7)});
                // a NaN weight: an error at load or run, never a NaN embedding; the word embeddings'
                // row 0 is [PAD]'s, which one sentence never reads
                add(n + " raw_data[0] NaN", unused || n.contains("word_embeddings") ? SAME : REJECT, raw.valueAt(),
                        new byte[] {0, 0, (byte) 0xC0, 0x7F});
            }
            add(n + " renamed", unused ? SAME : REJECT, name.valueAt(), new byte[] {(byte) (b[name.valueAt()] ^ 0x01)});
        }
    }
}
