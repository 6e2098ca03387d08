package dev.llmaccel.cli;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.model.bert.Embedder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Text classification through embeddings: splits a labelled TSV (text TAB label) into a training
 * and a test part (stratified: each label is split in the same proportion), classifies the test
 * texts by nearest centroid or k nearest neighbours of the training embeddings, and prints
 * accuracy, macro precision, recall and F1 and the confusion matrix.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Classify a labelled TSV (text<TAB>label) with embeddings: accuracy, macro precision/recall/F1,"
                + " confusion matrix. Without -f, a bundled set of 300 sentences on 5 topics.")
public final class EvaluateCommand implements Callable<Integer> {
    /** The bundled labelled set. */
    static final String BUNDLED = "topics.tsv";

    @Spec
    CommandSpec spec;

    @Mixin
    EmbedderMixin model;

    @Option(names = {"-f", "--file"}, paramLabel = "TSV", description = "Labelled data, text<TAB>label per line (default: the bundled topics set).")
    Path file;

    @Option(names = "--method", defaultValue = "centroid", paramLabel = "centroid|knn",
            description = "Nearest centroid or k nearest neighbours (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--k", defaultValue = "5", description = "Neighbours for knn (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--split", defaultValue = "0.7", description = "Share of each label used for training (default: ${DEFAULT-VALUE}).")
    double split;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the shuffle before the split (default: ${DEFAULT-VALUE}).")
    long seed;

    /** One labelled example. */
    record Example(String text, String label) {}

    @Override
    public Integer call() throws Exception {
        EmbeddingClassifier.Method m = switch (method.toLowerCase(java.util.Locale.ROOT)) {
            case "centroid" -> EmbeddingClassifier.Method.CENTROID;
            case "knn" -> EmbeddingClassifier.Method.KNN;
            default -> throw new ParameterException(spec.commandLine(), "--method must be centroid or knn, got " + method);
        };
        if (!(split > 0 && split < 1)) {
            throw new ParameterException(spec.commandLine(), "--split must be between 0 and 1, got " + split);
        }
        if (k < 1) {
            throw new ParameterException(spec.commandLine(), "--k must be at least 1, got " + k);
        }
        List<Example> data = file == null ? parse(TextResources.lines(BUNDLED), BUNDLED) : read(file);
        List<List<Example>> parts = stratifiedSplit(data, split, seed);
        List<Example> train = parts.get(0);
        List<Example> test = parts.get(1);
        if (test.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "the split leaves no test examples");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<String> labels = labelsOf(data);
        out.printf("data: %s, %d examples, %d labels; train %d / test %d (split %.2f per label, seed %d)%n",
                file == null ? BUNDLED + " (bundled)" : file, data.size(), labels.size(), train.size(), test.size(),
                split, seed);
        try (Backend backend = model.namedBackend(); Embedder embedder = model.open(backend)) {
            out.printf("model: %s on %s; method: %s%s%n%n", embedder.modelName(), EmbedderMixin.describe(embedder.backend()),
                    method, m == EmbeddingClassifier.Method.KNN ? " (k = " + k + ")" : "");
            List<float[]> trainVectors = embedder.embedAll(train.stream().map(Example::text).toList());
            List<float[]> testVectors = embedder.embedAll(test.stream().map(Example::text).toList());
            EmbeddingClassifier classifier = EmbeddingClassifier.train(m, k, trainVectors,
                    train.stream().map(Example::label).toList());
            ConfusionMatrix matrix = new ConfusionMatrix(labels);
            for (int i = 0; i < test.size(); i++) {
                matrix.add(test.get(i).label(), classifier.predict(testVectors.get(i)));
            }
            matrix.print(out);
            out.flush();
        }
        return 0;
    }

    static List<Example> read(Path tsv) throws IOException {
        return parse(Files.readAllLines(tsv, StandardCharsets.UTF_8), tsv.toString());
    }

    /** Lines "text TAB label"; blank lines are skipped; anything else is an error naming the line. */
    static List<Example> parse(List<String> lines, String source) throws IOException {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int tab = line.lastIndexOf('\t');
            if (tab <= 0 || line.substring(tab + 1).isBlank()) {
                throw new IOException(source + ":" + (i + 1) + ": expected text<TAB>label, got: " + line);
            }
            out.add(new Example(line.substring(0, tab), line.substring(tab + 1).trim()));
        }
        if (out.isEmpty()) {
            throw new IOException(source + ": no labelled examples");
        }
        return out;
    }

    static List<String> labelsOf(List<Example> data) {
        return data.stream().map(Example::label).distinct().toList();
    }

    /**
     * [train, test]: each label's examples shuffled with the seed, the first round(n * split) to
     * training (at least one, and at least one left for testing when the label has two or more).
     */
    static List<List<Example>> stratifiedSplit(List<Example> data, double split, long seed) {
        Map<String, List<Example>> byLabel = new LinkedHashMap<>();
        for (Example e : data) {
            byLabel.computeIfAbsent(e.label(), l -> new ArrayList<>()).add(e);
        }
        Random random = new Random(seed);
        List<Example> train = new ArrayList<>();
        List<Example> test = new ArrayList<>();
        for (List<Example> group : byLabel.values()) {
            Collections.shuffle(group, random);
            int n = group.size();
            int nTrain = (int) Math.round(n * split);
            nTrain = Math.max(1, Math.min(nTrain, n >= 2 ? n - 1 : n));
            train.addAll(group.subList(0, nTrain));
            test.addAll(group.subList(nTrain, n));
        }
        return List.of(train, test);
    }
}
