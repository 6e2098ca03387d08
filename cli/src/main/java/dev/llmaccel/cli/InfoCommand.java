package dev.llmaccel.cli;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.format.gguf.GgufTensorInfo;
import dev.llmaccel.format.gguf.GgufValueType;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.LlamaModel;
import java.io.PrintWriter;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmaccel info}: a model file's metadata, its tensors, and the configuration llmaccel reads from it. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show a model file's metadata and tensors.")
final class InfoCommand implements Callable<Integer> {
    /** Array elements shown before "...". */
    private static final int ARRAY_PREVIEW = 5;
    /** Longest string shown whole. */
    private static final int STRING_PREVIEW = 60;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF file or llama2.c checkpoint")
    Path model;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        LoadedModel.requireFile(model, "model");
        if (!LoadedModel.isGguf(model)) {
            try (Backend reference = Backends.reference(); LlamaModel m = LlamaModel.fromLlama2c(model, reference)) {
                out.printf("file: %s (%s), llama2.c checkpoint%n", model, size(Files.size(model)));
                printConfig(out, m.config());
            }
            return 0;
        }
        try (GgufFile gguf = GgufFile.open(model)) {
            out.printf("file: %s (%s), GGUF v%d, alignment %d%n", model, size(Files.size(model)), gguf.version(), gguf.alignment());
            out.printf("metadata (%d keys):%n", gguf.keys().size());
            for (String key : gguf.keys()) {
                out.printf("  %-44s %-8s %s%n", key, gguf.typeOf(key), value(gguf, key));
            }
            List<GgufTensorInfo> tensors = gguf.tensors();
            out.printf("tensors (%d):%n", tensors.size());
            out.printf("  %-36s %-6s %-20s %14s%n", "name", "type", "shape", "bytes");
            long total = 0;
            for (GgufTensorInfo t : tensors) {
                out.printf("  %-36s %-6s %-20s %14d%n", t.name(), t.type(), Arrays.toString(t.shape()), t.bytes());
                total += t.bytes();
            }
            out.printf("  %d tensors, %s%n", tensors.size(), size(total));
            try {
                printConfig(out, LlamaConfig.fromGguf(gguf));
            } catch (ModelFormatException e) {
                out.println("not a model llmaccel generates with: " + e.getMessage());
            }
        }
        return 0;
    }

    private static void printConfig(PrintWriter out, LlamaConfig c) {
        out.printf("model: %s, %d layers, %d embd, ffn %d, %d heads (%d kv, head dim %d), vocab %d, context %d, "
                        + "rms eps %g, rope %s theta %.0f%s%s%s%s%n",
                c.architecture(), c.layers(), c.dim(), c.hiddenDim(), c.heads(), c.kvHeads(), c.headDim(), c.vocabSize(),
                c.contextLength(), c.rmsEps(), c.rope().style().name().toLowerCase(Locale.ROOT), c.rope().theta(),
                c.rope().freqFactors() != null ? ", scaled frequencies" : "", c.qkvBias() ? ", Q/K/V biases" : "",
                c.qkNorm() ? ", Q/K norms" : "", c.tiedOutput() ? ", tied output" : "");
    }

    private static String value(GgufFile gguf, String key) {
        Object v = gguf.get(key);
        if (gguf.typeOf(key) == GgufValueType.ARRAY) {
            int n = v instanceof List<?> list ? list.size() : Array.getLength(v);
            StringBuilder s = new StringBuilder("[" + gguf.arrayTypeOf(key) + " x " + n + "]");
            for (int i = 0; i < Math.min(n, ARRAY_PREVIEW); i++) {
                Object e = v instanceof List<?> list ? list.get(i) : Array.get(v, i);
                s.append(i == 0 ? " " : ", ").append(e instanceof String str ? quoted(str) : e);
            }
            return s.append(n > ARRAY_PREVIEW ? ", ..." : "").toString();
        }
        return v instanceof String str ? quoted(str) : String.valueOf(v);
    }

    private static String quoted(String s) {
        String shown = s.length() > STRING_PREVIEW ? s.substring(0, STRING_PREVIEW) : s;
        shown = shown.replace("\\", "\\\\").replace("\n", "\\n").replace("\"", "\\\"");
        return "\"" + shown + "\"" + (s.length() > STRING_PREVIEW ? "... (" + s.length() + " chars)" : "");
    }

    private static String size(long bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9) : String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
    }
}
