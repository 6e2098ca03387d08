package dev.llmaccel.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.model.bert.EmbedderOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** demo, embed and evaluate with the default model, run through picocli as the launcher runs them. */
class EmbeddingCommandsTest {
    @TempDir
    Path dir;

    /** Runs a command; returns {exit code, stdout, stderr}. */
    private static Object[] run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Object[] {code, out.toString(), err.toString()};
    }

    @Test
    void demoFindsTheObviousMatches() {
        Object[] r = run(new DemoCommand(), "--backend", "cpu");
        String out = (String) r[1];
        assertEquals(0, r[0], out + r[2]);
        assertTrue(out.contains("all-MiniLM-L6-v2 (384 dimensions) on cpu"), out);
        assertTrue(out.matches("(?s).*embedded 42 corpus sentences in [0-9.]+ s: [0-9.]+ embeddings/s.*"), out);
        // the first match under each built-in query
        String[][] expected = {
                {"How do plants make their food?", "photosynthesis"},
                {"My internet connection is really slow, what can I try?", "router"},
                {"Which planet looks red?", "Mars"},
                {"How can I make my investments less risky?", "Diversifying"},
                {"Will it snow this weekend?", "Snow"}};
        for (String[] e : expected) {
            Matcher m = Pattern.compile("query: " + Pattern.quote(e[0]) + "\\R  ([0-9.]+)  ([^\\n]*)").matcher(out);
            assertTrue(m.find(), "no results for " + e[0] + " in\n" + out);
            assertTrue(m.group(2).contains(e[1]), e[0] + " -> " + m.group(2));
        }
    }

    @Test
    void demoTakesQueries() {
        Object[] r = run(new DemoCommand(), "--backend", "cpu", "Which animals sleep a lot?");
        String out = (String) r[1];
        assertEquals(0, r[0], out + r[2]);
        assertTrue(out.contains("query: Which animals sleep a lot?"), out);
        assertTrue(out.contains("Cats often sleep"), out);
        assertTrue(!out.contains("query: Which planet looks red?"), out);
    }

    @Test
    void embedWritesJsonLinesAndNpy() throws IOException {
        List<String> lines = List.of("The first line.", "", "Une deuxième ligne, avec des accents.", "第三行");
        Path input = dir.resolve("in.txt");
        Files.writeString(input, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        Path jsonl = dir.resolve("out.jsonl");
        Path npy = dir.resolve("out.npy");
        Object[] a = run(new EmbedCommand(), "--backend", "cpu", "-i", input.toString(), "-o", jsonl.toString());
        assertEquals(0, a[0], (String) a[2]);
        assertTrue(((String) a[2]).contains("4/4"), "progress bar on stderr: " + a[2]);
        Object[] b = run(new EmbedCommand(), "--backend", "cpu", "-i", input.toString(), "-o", npy.toString());
        assertEquals(0, b[0], (String) b[2]);
        List<float[]> expected;
        try (Backend backend = Backends.cpu();
             Embedder e = Embedder.load(EmbedderOptions.defaults().withBackend(backend))) {
            expected = e.embedAll(lines);
        }
        List<String> written = Files.readAllLines(jsonl, StandardCharsets.UTF_8);
        assertEquals(lines.size(), written.size());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode node = json.readTree(written.get(i));
            assertEquals(lines.get(i), node.get("text").asText());
            float[] v = new float[node.get("embedding").size()];
            for (int j = 0; j < v.length; j++) {
                v[j] = node.get("embedding").get(j).floatValue();
            }
            assertArrayEquals(expected.get(i), v, 1e-6f, "line " + i);
        }
        float[] data = NpyWriterTest.readNpy(npy, lines.size(), 384);
        for (int i = 0; i < lines.size(); i++) {
            for (int j = 0; j < 384; j++) {
                assertEquals(expected.get(i)[j], data[i * 384 + j], 1e-6f);
            }
        }
        assertNotEquals(0f, data[384 * 3]);
    }

    @Test
    void evaluateOnTheBundledSetBeatsChanceByFar() {
        for (String method : new String[] {"centroid", "knn"}) {
            Object[] r = run(new EvaluateCommand(), "--backend", "cpu", "--method", method, "--k", "5", "--seed", "7");
            String out = (String) r[1];
            assertEquals(0, r[0], out + r[2]);
            assertTrue(out.contains("300 examples, 5 labels; train 210 / test 90"), out);
            Matcher m = Pattern.compile("accuracy\\s+([0-9.]+)").matcher(out);
            assertTrue(m.find(), out);
            double accuracy = Double.parseDouble(m.group(1));
            // five balanced labels: chance is 0.2
            assertTrue(accuracy > 0.8, method + ": accuracy " + accuracy + "\n" + out);
            assertTrue(out.contains("confusion matrix"), out);
        }
    }

    @Test
    void evaluateRefusesBadInput() throws IOException {
        Path bad = dir.resolve("bad.tsv");
        Files.writeString(bad, "good line\tlabel\nno label here\n");
        Object[] r = run(new EvaluateCommand(), "--backend", "cpu", "-f", bad.toString());
        assertNotEquals(0, r[0]);
        assertTrue(((String) r[2]).contains("bad.tsv:2"), (String) r[2]);
        Object[] s = run(new EvaluateCommand(), "--split", "1.5");
        assertNotEquals(0, s[0]);
        assertTrue(((String) s[2]).contains("--split"), (String) s[2]);
        Object[] m = run(new EvaluateCommand(), "--method", "svm");
        assertNotEquals(0, m[0]);
    }

    @Test
    void stratifiedSplitKeepsEveryLabelOnBothSides() {
        List<EvaluateCommand.Example> data = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            data.add(new EvaluateCommand.Example("a" + i, "a"));
        }
        data.add(new EvaluateCommand.Example("b0", "b"));
        data.add(new EvaluateCommand.Example("b1", "b"));
        List<List<EvaluateCommand.Example>> parts = EvaluateCommand.stratifiedSplit(data, 0.7, 1);
        assertEquals(7 + 1, parts.get(0).size());
        assertEquals(3 + 1, parts.get(1).size());
        assertEquals(parts, EvaluateCommand.stratifiedSplit(data, 0.7, 1), "same seed, same split");
    }
}
