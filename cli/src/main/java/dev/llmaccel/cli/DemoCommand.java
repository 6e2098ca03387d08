package dev.llmaccel.cli;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.model.bert.Embedder;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Semantic search over a small bundled corpus with the default model: for each query, the three
 * closest sentences by cosine similarity, with the backend used and the embedding throughput.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Semantic search over a bundled corpus of sentences with the default model: the top 3 matches per query, the backend and embeddings/s.")
public final class DemoCommand implements Callable<Integer> {
    /** Queries shown when none are given. */
    static final List<String> QUERIES = List.of(
            "How do plants make their food?",
            "My internet connection is really slow, what can I try?",
            "Which planet looks red?",
            "How can I make my investments less risky?",
            "Will it snow this weekend?");

    @Spec
    CommandSpec spec;

    @Mixin
    EmbedderMixin model;

    @Parameters(paramLabel = "QUERY", arity = "0..*", description = "Queries to search for (default: five built-in ones).")
    List<String> queries = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<String> corpus = TextResources.lines("demo-corpus.txt");
        List<String> asked = queries.isEmpty() ? QUERIES : queries;
        try (Backend backend = model.namedBackend(); Embedder embedder = model.open(backend)) {
            out.printf("semantic search with %s (%d dimensions) on %s%n", embedder.modelName(), embedder.dimension(),
                    EmbedderMixin.describe(embedder.backend()));
            List<float[]> queryVectors = embedder.embedAll(asked);  // also warms up the code paths
            long start = System.nanoTime();
            List<float[]> corpusVectors = embedder.embedAll(corpus);
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("embedded %d corpus sentences in %.3f s: %.1f embeddings/s%n", corpus.size(), seconds,
                    corpus.size() / seconds);
            for (int q = 0; q < asked.size(); q++) {
                out.printf("%nquery: %s%n", asked.get(q));
                for (Match m : top(queryVectors.get(q), corpusVectors, 3)) {
                    out.printf("  %.3f  %s%n", m.score, corpus.get(m.index));
                }
            }
            out.flush();
        }
        return 0;
    }

    /** The n corpus entries with the highest dot product (cosine, as the vectors are unit length). */
    static List<Match> top(float[] query, List<float[]> corpus, int n) {
        List<Match> all = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            all.add(new Match(i, dot(query, corpus.get(i))));
        }
        all.sort((a, b) -> Double.compare(b.score, a.score));
        return all.subList(0, Math.min(n, all.size()));
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    record Match(int index, double score) {}
}
