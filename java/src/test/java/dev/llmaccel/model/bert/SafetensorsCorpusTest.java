package dev.llmaccel.model.bert;

import static dev.llmaccel.corpus.Corpus.Expect.CLEAN;
import static dev.llmaccel.corpus.Corpus.Expect.REJECT;
import static dev.llmaccel.corpus.Corpus.Expect.SAME;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.corpus.Corpus;
import dev.llmaccel.corpus.Corpus.Case;
import dev.llmaccel.corpus.Corpus.Expect;
import dev.llmaccel.format.safetensors.SafetensorsWriter;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 10: a small BERT written as a safetensors folder ({@link TinyBert}) with its
 * model.safetensors mutated: the header's length field, the JSON (broken, empty, nested, not
 * UTF-8), each picked tensor's dtype, shape and data_offsets (reversed, past the end, negative,
 * overlapping, misaligned, huge), duplicate and renamed tensors, NaN data, truncations. Each is
 * loaded by {@link Embedder#load(Path)} and, if it loads, embeds one sentence; see {@link Corpus}.
 */
class SafetensorsCorpusTest {
    private static final String SENTENCE = "the cat sat on the mat.";
    private static final String WORDS = "embeddings.word_embeddings.weight";
    private static final String QUERY = "encoder.layer.0.attention.self.query.weight";
    private static final String LAST = "encoder.layer.1.output.LayerNorm.bias";

    /** See GgufCorpusTest; none left since NaN weights give NonFiniteResultException (issue 14 item 5). */
    private static final Map<String, String> KNOWN_DEFECTS = Map.of();

    @TempDir
    static Path dir;
    private static Backend cpu;
    private static SafetensorsWriter writer;
    private static String header;

    @BeforeAll
    static void writeModel() throws IOException {
        cpu = Backends.cpu();
        TinyBert bert = new TinyBert(7);
        bert.writeSafetensors(dir, DType.F32, "");
        writer = new SafetensorsWriter();
        bert.params.forEach((name, v) -> writer.add(name, DType.F32, v, bert.shapes.get(name)));
        header = writer.header();
    }

    @AfterAll
    static void closeBackend() {
        cpu.close();
    }

    static String embed(Path folder) throws IOException {
        try (Embedder e = Embedder.load(folder, EmbedderOptions.defaults().withBackend(cpu))) {
            float[] v = e.embed(SENTENCE);
            for (float x : v) {
                if (!Float.isFinite(x)) {
                    throw new AssertionError("the embedding holds " + x + " (a NaN embedding must be an error)");
                }
            }
            return Arrays.toString(v);
        }
    }

    @TestFactory
    Stream<DynamicTest> mutants() throws IOException {
        Path file = dir.resolve("model.safetensors");
        byte[] original = writer.toByteArray();
        assertTrue(Arrays.equals(original, Files.readAllBytes(file)), "the writer's bytes are the folder's file");
        String expected = embed(dir);
        List<Case> cases = new Mutants(original).all();
        assertTrue(cases.size() >= 100, "safetensors cases: " + cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Files.write(file, c.mutation().apply(original.clone()));
            try {
                Corpus.check(c, dir, expected, SafetensorsCorpusTest::embed, KNOWN_DEFECTS);
            } finally {
                Files.write(file, original);
            }
        }));
    }

    private static final class Mutants {
        private final byte[] original;
        private final List<Case> cases = new ArrayList<>();

        Mutants(byte[] original) {
            this.original = original;
        }

        private void add(String name, Expect expect, UnaryOperator<byte[]> mutation) {
            cases.add(new Case(name, expect, mutation));
        }

        /** The file with another header text (re-padded; the data stays). */
        private void header(String name, Expect expect, String text) {
            add(name, expect, b -> writer.withHeader(text));
        }

        /** The entry of tensor in the header: {"dtype":...,"shape":[...],"data_offsets":[a,b]}. */
        private static Matcher entry(String tensor) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(tensor)
                    + "\":\\{\"dtype\":\"(\\w+)\",\"shape\":\\[([0-9,]*)\\],\"data_offsets\":\\[(\\d+),(\\d+)\\]\\}")
                    .matcher(header);
            assertTrue(m.find(), tensor);
            return m;
        }

        private static String replaceGroup(Matcher m, int group, String with) {
            return header.substring(0, m.start(group)) + with + header.substring(m.end(group));
        }

        List<Case> all() {
            add("original", SAME, b -> b);
            long headerLength = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            for (long v : new long[] {0, 1, 2, headerLength - 8, headerLength + 8, original.length - 8, original.length,
                    1L << 32, 1L << 62, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
                add("header length " + v, REJECT, b -> {
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
                    return b;
                });
            }
            header("header empty", REJECT, "");
            header("header {}", REJECT, "{}");
            header("header []", REJECT, "[]");
            header("header null", REJECT, "null");
            header("header a string", REJECT, "\"x\"");
            for (int cut : new int[] {1, 2, 10, header.length() / 2, header.length() - 2, header.length() - 1}) {
                header("header JSON cut at " + cut, REJECT, header.substring(0, cut));
            }
            header("header with trailing garbage", REJECT, header + "}}");
            header("header metadata nested 10000 deep", REJECT,
                    header.replace("{\"format\":\"pt\"}", "[".repeat(10000) + "]".repeat(10000)));
            header("header metadata a number", CLEAN, header.replace("\"pt\"", "1e999"));
            header("header metadata none", SAME, header.replace("\"__metadata__\":{\"format\":\"pt\"},", ""));
            header("header metadata a long string", SAME, header.replace("\"pt\"", "\"" + "p".repeat(100_000) + "\""));
            header("header metadata key not ASCII", SAME, header.replace("\"format\"", "\"form\u00ff\""));
            add("header bytes not UTF-8", REJECT, b -> {
                b[8 + header.indexOf("format")] = (byte) 0xFF;
                return b;
            });
            for (String t : new String[] {WORDS, QUERY, LAST}) {
                tensor(t);
            }
            Matcher q = entry(QUERY);
            Matcher k = entry("encoder.layer.0.attention.self.key.weight");
            header("tensor key reads query's data (overlap)", CLEAN,
                    header.substring(0, k.start(3)) + q.group(3) + "," + q.group(4) + header.substring(k.end(4)));
            header("tensor duplicate name", REJECT, header.replace("\"encoder.layer.0.attention.self.key.weight\"",
                    "\"" + QUERY + "\""));
            header("tensor extra unused", CLEAN, header.replace("{\"__metadata__\"",
                    "{\"extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"__metadata__\""));
            Matcher w = entry(WORDS);
            int wordsData = 8 + (int) headerLength + Integer.parseInt(w.group(3));
            add("data word embeddings all NaN", REJECT, b -> fill(b, wordsData, Integer.parseInt(w.group(4))
                    - Integer.parseInt(w.group(3)), Float.NaN));
            add("data word embeddings one NaN", REJECT, b -> fill(b, wordsData + 4 * 16 * 7, 4, Float.NaN));
            add("data word embedding of 'the' +inf", REJECT, b -> fill(b, wordsData + 4 * 16 * 5, 64, Float.POSITIVE_INFINITY));
            add("data word embeddings huge", CLEAN, b -> fill(b, wordsData, 4 * 16 * 10, 1e30f));
            for (int cut : new int[] {0, 4, 8, 9, (int) headerLength, 8 + (int) headerLength, 8 + (int) headerLength + 1,
                    original.length / 2, original.length - 4, original.length - 1}) {
                add("truncated at " + cut, REJECT, b -> Arrays.copyOf(b, cut));
            }
            add("trailing bytes", CLEAN, b -> Arrays.copyOf(b, b.length + 64));
            return cases;
        }

        private static byte[] fill(byte[] b, int at, int bytes, float v) {
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < bytes; i += 4) {
                buf.putFloat(at + i, v);
            }
            return b;
        }

        private void tensor(String t) {
            Matcher m = entry(t);
            String n = "tensor[" + t + "] ";
            for (String dtype : new String[] {"F16", "BF16", "F64", "I8", "I64", "BOOL", "U8", "F8_E4M3", "Q4", "", "f32"}) {
                header(n + "dtype " + dtype, REJECT, replaceGroup(m, 1, dtype));
            }
            String shape = m.group(2);
            String[] dims = shape.split(",");
            List<String> shapes = new ArrayList<>(List.of("", "0", "-1", "1,1,1,1,1," + shape, "4611686018427387904",
                    "18446744073709551615", "1e3", "\"4\"", shape + ",0", shape + ",1", shape + ",2"));
            if (dims.length == 2) {
                if (!dims[0].equals(dims[1])) {
                    shapes.add(dims[1] + "," + dims[0]);
                }
                shapes.add(dims[0] + "," + (Long.parseLong(dims[1]) + 1));
                shapes.add(dims[0] + ",-" + dims[1]);
            } else {
                shapes.add(String.valueOf(Long.parseLong(dims[0]) - 1));
            }
            for (String s : shapes) {
                // a trailing 1 keeps the element count but not the shape a BERT weight has
                header(n + "shape [" + s + "]", REJECT, replaceGroup(m, 2, s));
            }
            long a = Long.parseLong(m.group(3));
            long e = Long.parseLong(m.group(4));
            long dataBytes = original.length - 8 - ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            long[][] offsets = {{e, a}, {a, e + 4}, {a + 4, e + 4}, {a + 1, e + 1}, {a, e - 4}, {a, dataBytes + 4},
                    {-4, e - a - 4}, {a, Long.MAX_VALUE}, {Long.MAX_VALUE - 4, Long.MAX_VALUE}, {a, a}};
            for (long[] o : offsets) {
                // same length elsewhere (overlapping another tensor, maybe misaligned) is a valid file
                Expect ex = o[1] - o[0] == e - a && o[0] >= 0 && o[1] <= dataBytes ? CLEAN : REJECT;
                header(n + "data_offsets [" + o[0] + "," + o[1] + "]", ex,
                        header.substring(0, m.start(3)) + o[0] + "," + o[1] + header.substring(m.end(4)));
            }
            header(n + "data_offsets floats", REJECT, header.substring(0, m.start(3)) + a + ".5," + e + ".5"
                    + header.substring(m.end(4)));
            header(n + "data_offsets three", REJECT, header.substring(0, m.start(3)) + a + "," + e + "," + e
                    + header.substring(m.end(4)));
            header(n + "renamed", REJECT, header.replace("\"" + t + "\"", "\"" + t + "x\""));
            header(n + "no dtype", REJECT, header.replace("\"" + t + "\":{\"dtype\":\"F32\",", "\"" + t + "\":{"));
        }
    }
}
