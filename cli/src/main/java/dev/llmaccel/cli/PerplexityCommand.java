package dev.llmaccel.cli;

import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.tensor.Tensor;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code llmaccel perplexity}: the model's perplexity on a text file, measured as llama.cpp's
 * perplexity tool does: the text is cut into chunks of the context size, each chunk starts with
 * BOS, and only the second half of each chunk is scored (so every scored token has at least half
 * a context before it).
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true, description = "Measure the model's perplexity on a text file.")
final class PerplexityCommand implements Callable<Integer> {
    /** Tokens per chunk when -c is not given (llama.cpp's), or the model's context when smaller. */
    static final int DEFAULT_CHUNK = 512;

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF file or llama2.c checkpoint")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "llama2.c tokenizer file (default: beside the checkpoint)")
    Path tokenizer;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "the text to score")
    Path text;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "tokens per chunk; 0 = the model's context (default: 512 or the model's context, whichever is smaller)")
    Integer contextSize;

    @Option(names = "--chunks", paramLabel = "N", defaultValue = "-1", description = "score at most N chunks; -1 = all (default: ${DEFAULT-VALUE})")
    int chunks;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (contextSize != null && contextSize != 0 && contextSize < 4) {
            throw new IllegalArgumentException("--ctx-size must be 0 (the model's context) or at least 4, got " + contextSize);
        }
        LoadedModel.requireFile(text, "text");
        String content = TextResources.readUtf8(text);
        try (LoadedModel m = LoadedModel.open(model, tokenizer, backend, err, Main.progress(main))) {
            int chunkTokens = chunkSize(m.model.config().contextLength(), err);
            int[] tokens = m.tokenizer.encode(content, true, false);
            int available = tokens.length / chunkTokens;
            if (available == 0) {
                throw new IllegalArgumentException(text + " has " + tokens.length + " tokens; one chunk needs "
                        + chunkTokens + " (use a longer text or a smaller --ctx-size)");
            }
            int n = chunks < 0 ? available : Math.min(chunks, available);
            int bos = m.tokenizer.bosId();
            int vocab = m.model.config().vocabSize();
            double nll = 0;
            double nll2 = 0;
            long count = 0;
            long t0 = System.nanoTime();
            try (LlamaSession session = m.model.newSession(chunkTokens)) {
                for (int c = 0; c < n; c++) {
                    int[] chunk = Arrays.copyOfRange(tokens, c * chunkTokens, (c + 1) * chunkTokens);
                    if (bos >= 0) {
                        chunk[0] = bos;
                    }
                    session.clear();
                    try (Tensor logits = session.forwardAll(chunk)) {  // (chunkTokens, vocab)
                        for (int j = chunkTokens / 2; j < chunkTokens - 1; j++) {
                            float[] row;
                            try (Tensor r = logits.rows(j, 1)) {
                                row = r.toFloatArray();
                            }
                            double loss = negativeLogLikelihood(row, vocab, tokens[c * chunkTokens + j + 1]);
                            nll += loss;
                            nll2 += loss * loss;
                            count++;
                        }
                    }
                    err.printf(Locale.ROOT, "llmaccel: chunk %d/%d: perplexity %.4f%n", c + 1, n, Math.exp(nll / count));
                }
            }
            double mean = nll / count;
            double ppl = Math.exp(mean);
            // the error of the mean loss, carried to the perplexity: d(exp x) = exp(x) dx
            double error = count > 1 ? ppl * Math.sqrt((nll2 / count - mean * mean) / (count - 1)) : 0;
            out.printf(Locale.ROOT, "PPL = %.4f +/- %.4f (%d chunks of %d tokens, %d scored)%n", ppl, error, n, chunkTokens, count);
            err.printf(Locale.ROOT, "llmaccel: %.2f s%n", (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }

    /** The chunk size: -c, else 512; the model's context when -c is 0 or asks for more than it has (err says so). */
    private int chunkSize(int modelContext, PrintWriter err) {
        int asked = contextSize == null ? DEFAULT_CHUNK : contextSize;
        if (asked == 0 || asked > modelContext) {
            err.printf("llmaccel: chunks of the model's context, %d tokens%s%n", modelContext,
                    asked == 0 ? "" : " (" + asked + " asked)");
            return modelContext;
        }
        return asked;
    }

    /** -log softmax(logits)[target], computed stably. */
    static double negativeLogLikelihood(float[] logits, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[i] - max);
        }
        return Math.log(sum) + max - logits[target];
    }
}
