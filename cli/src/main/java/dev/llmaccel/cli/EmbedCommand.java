package dev.llmaccel.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.model.bert.Embedder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Embeds each line of a file (or standard input) and writes JSON Lines
 * ({@code {"text": ..., "embedding": [...]}} per line) or a NumPy .npy matrix of float32
 * (lines, dimension), with a progress bar on standard error.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed each line of a file (or stdin) to JSON Lines or a .npy matrix, with a progress bar on stderr.")
public final class EmbedCommand implements Callable<Integer> {
    /** Lines embedded between two progress updates. */
    private static final int CHUNK = 256;

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Mixin
    EmbedderMixin model;

    @Option(names = {"-i", "--input"}, paramLabel = "FILE", description = "Text file, one text per line (default: stdin).")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "out.jsonl or out.npy (by extension; default: JSON Lines on stdout).")
    Path output;

    @Option(names = "--skip-blank", description = "Leave out blank lines (by default they are embedded too).")
    boolean skipBlank;

    @Override
    public Integer call() throws Exception {
        boolean npy = checkOutput();
        List<String> lines = readLines();
        PrintWriter err = spec.commandLine().getErr();
        try (Backend backend = model.namedBackend(); Embedder embedder = model.open(backend)) {
            err.printf("embedding %d lines with %s on %s%n", lines.size(), embedder.modelName(),
                    EmbedderMixin.describe(embedder.backend()));
            ProgressBar progress = new ProgressBar(err, lines.size(), "lines", Main.progress(main));
            progress.update(0);
            if (npy) {
                try (NpyWriter w = new NpyWriter(output, embedder.dimension())) {
                    for (int start = 0; start < lines.size(); start += CHUNK) {
                        List<String> chunk = lines.subList(start, Math.min(lines.size(), start + CHUNK));
                        for (float[] v : embedder.embedAll(chunk)) {
                            w.write(v);
                        }
                        progress.update(start + chunk.size());
                    }
                }
            } else {
                try (OutputStream os = output == null ? new NonClosing(System.out) : Files.newOutputStream(output);
                     JsonGenerator json = new JsonFactory().createGenerator(os, JsonEncoding.UTF8)) {
                    json.setRootValueSeparator(null);  // each object ends its own line instead
                    for (int start = 0; start < lines.size(); start += CHUNK) {
                        List<String> chunk = lines.subList(start, Math.min(lines.size(), start + CHUNK));
                        List<float[]> vectors = embedder.embedAll(chunk);
                        for (int i = 0; i < chunk.size(); i++) {
                            writeJsonLine(json, chunk.get(i), vectors.get(i));
                        }
                        json.flush();
                        progress.update(start + chunk.size());
                    }
                }
            }
            progress.finish();
        }
        return 0;
    }

    /**
     * Checks -o before any work: its folder must exist and its extension name a format. Returns
     * whether the output is .npy (else JSON Lines).
     */
    private boolean checkOutput() {
        if (output == null) {
            return false;
        }
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean npy = name.endsWith(".npy");
        if (!npy && !name.endsWith(".jsonl") && !name.endsWith(".ndjson")) {
            throw new ParameterException(spec.commandLine(), "--output " + output
                    + ": the extension names the format: .jsonl (JSON Lines) or .npy (NumPy float32 matrix)");
        }
        Path folder = output.toAbsolutePath().getParent();
        if (folder != null && !Files.isDirectory(folder)) {
            throw new ParameterException(spec.commandLine(), "--output " + output + ": the folder " + folder
                    + (Files.exists(folder) ? " is not a folder" : " does not exist"));
        }
        if (Files.isDirectory(output)) {
            throw new ParameterException(spec.commandLine(), "--output " + output + " is a folder");
        }
        return npy;
    }

    private List<String> readLines() throws IOException {
        byte[] bytes;
        if (input == null) {
            bytes = System.in.readAllBytes();
        } else {
            try (InputStream in = Files.newInputStream(input)) {
                bytes = in.readAllBytes();
            }
        }
        List<String> lines = new ArrayList<>();
        String text = TextResources.decodeUtf8(bytes, input == null ? "standard input" : input.toString());
        if (text.isEmpty()) {
            return lines;
        }
        for (String line : text.split("\r?\n", -1)) {
            if (!(skipBlank && line.isBlank())) {
                lines.add(line);
            }
        }
        if (text.endsWith("\n") && !lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);  // the newline that ends the last line does not start another
        }
        return lines;
    }

    static void writeJsonLine(JsonGenerator json, String text, float[] embedding) throws IOException {
        json.writeStartObject();
        json.writeStringField("text", text);
        json.writeArrayFieldStart("embedding");
        for (float v : embedding) {
            json.writeNumber(v);
        }
        json.writeEndArray();
        json.writeEndObject();
        json.writeRaw('\n');
    }

    /** Standard output stays open after the command. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
