package dev.llmaccel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.tensor.DType;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llmaccel serve} as a process: it serves, logs each request, and SIGTERM drains a running stream and exits 0. */
class ServeCommandTest {
    private static final LlamaConfig SHAPE = new LlamaConfig("llama", 64, 96, 2, 4, 2, 16, 400, 1024, 1e-5f,
            RopeParams.of(RopeStyle.NORMAL, 10000), false, false, false);

    @TempDir
    Path dir;

    @Test
    void sigtermLetsTheRunningStreamFinishThenExitsZero() throws Exception {
        Path gguf = dir.resolve("serve.gguf");
        RandomLlamaModel.write(gguf, SHAPE, DType.Q8_0, 3);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dorg.bytedeco.javacpp.cachedir=" + dir.resolve("jcpp"), "dev.llmaccel.cli.Main", "serve", "-m",
                gguf.toString(), "--port", "0", "--backend", "cpu", "-c", "1024", "--api-key", "k").start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        List<String> log = new ArrayList<>();
        try {
            URI base = null;
            Pattern serving = Pattern.compile("serving .* on (http://\\S+/v1)");
            for (String line; base == null && (line = err.readLine()) != null; ) {
                log.add(line);
                Matcher m = serving.matcher(line);
                if (m.find()) {
                    base = URI.create(m.group(1));
                }
            }
            assertTrue(base != null, "the server said where it listens: " + log);
            HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(base + "/chat/completions")).header("Authorization", "Bearer k").POST(
                    HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"go\"}],"
                            + "\"max_tokens\":900,\"temperature\":0,\"stream\":true}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            BufferedReader events = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            assertTrue(events.readLine().startsWith("data: "));
            p.toHandle().destroy();  // SIGTERM, with the stream running (Process.destroy would also close our pipes)
            String last = null;
            String finish = null;
            for (String line; (line = events.readLine()) != null; ) {
                if (line.startsWith("data: {")) {
                    JsonNode chunk = new ObjectMapper().readTree(line.substring(6));
                    if (!chunk.at("/choices/0/finish_reason").isNull()) {
                        finish = chunk.at("/choices/0/finish_reason").asText();
                    }
                }
                if (!line.isEmpty()) {
                    last = line;
                }
            }
            assertEquals("data: [DONE]", last, "the stream ran to its end");
            assertTrue(finish != null, "the last chunk has a finish reason");
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the server exits");
            for (String line; (line = err.readLine()) != null; ) {
                log.add(line);
            }
            assertEquals(0, p.exitValue(), String.join("\n", log));
            int stopping = indexOf(log, "stopping: letting running requests finish");
            int request = indexOf(log, "POST /v1/chat/completions 200 tokens=");
            assertTrue(stopping >= 0 && request > stopping, "the request ended after the signal: " + String.join("\n", log));
        } finally {
            p.destroyForcibly();
        }
    }

    private static int indexOf(List<String> log, String part) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void badOptionsAreUsageErrorsBeforeTheModelLoads() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"serve", "-m", dir.resolve("absent.gguf").toString(), "--parallel", "0"},
                new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), err);
        assertEquals(Main.EXIT_USAGE, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--parallel must be >= 1"), err.toString(StandardCharsets.UTF_8));
        err.reset();
        code = Main.run(new String[] {"serve", "-m", dir.resolve("absent.gguf").toString(), "--port", "70000"},
                new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), err);
        assertEquals(Main.EXIT_USAGE, code);
    }
}
