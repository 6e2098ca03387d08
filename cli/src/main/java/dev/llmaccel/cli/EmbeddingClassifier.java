package dev.llmaccel.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Classifies unit-length embeddings by the labelled training vectors: nearest centroid (the
 * normalised mean of each label's vectors) or k nearest neighbours (majority vote of the k most
 * similar training vectors; a tie goes to the label whose tied votes are more similar in total).
 */
final class EmbeddingClassifier {
    enum Method { CENTROID, KNN }

    private final Method method;
    private final int k;
    private final List<float[]> vectors;
    private final List<String> labels;

    private EmbeddingClassifier(Method method, int k, List<float[]> vectors, List<String> labels) {
        this.method = method;
        this.k = k;
        this.vectors = vectors;
        this.labels = labels;
    }

    /** A classifier trained on vectors with their labels; k matters for KNN only. */
    static EmbeddingClassifier train(Method method, int k, List<float[]> vectors, List<String> labels) {
        if (vectors.size() != labels.size() || vectors.isEmpty()) {
            throw new IllegalArgumentException("need as many labels as vectors, and at least one: "
                    + vectors.size() + " vectors, " + labels.size() + " labels");
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (method == Method.KNN) {
            return new EmbeddingClassifier(method, k, List.copyOf(vectors), List.copyOf(labels));
        }
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (int i = 0; i < vectors.size(); i++) {
            double[] s = sums.computeIfAbsent(labels.get(i), l -> new double[vectors.get(0).length]);
            float[] v = vectors.get(i);
            for (int j = 0; j < v.length; j++) {
                s[j] += v[j];
            }
        }
        List<float[]> centroids = new ArrayList<>();
        for (double[] s : sums.values()) {
            double norm = 0;
            for (double x : s) {
                norm += x * x;
            }
            float[] c = new float[s.length];
            for (int j = 0; j < s.length; j++) {
                c[j] = (float) (s[j] / Math.sqrt(norm));
            }
            centroids.add(c);
        }
        return new EmbeddingClassifier(method, 1, centroids, new ArrayList<>(sums.keySet()));
    }

    String predict(float[] v) {
        if (method == Method.CENTROID) {
            int best = 0;
            for (int i = 1; i < vectors.size(); i++) {
                if (DemoCommand.dot(v, vectors.get(i)) > DemoCommand.dot(v, vectors.get(best))) {
                    best = i;
                }
            }
            return labels.get(best);
        }
        List<DemoCommand.Match> nearest = DemoCommand.top(v, vectors, k);
        Map<String, Integer> votes = new LinkedHashMap<>();
        Map<String, Double> similarity = new LinkedHashMap<>();
        for (DemoCommand.Match m : nearest) {
            String label = labels.get(m.index());
            votes.merge(label, 1, Integer::sum);
            similarity.merge(label, m.score(), Double::sum);
        }
        String best = null;
        for (String label : votes.keySet()) {
            if (best == null || votes.get(label) > votes.get(best)
                    || (votes.get(label).equals(votes.get(best)) && similarity.get(label) > similarity.get(best))) {
                best = label;
            }
        }
        return best;
    }
}
