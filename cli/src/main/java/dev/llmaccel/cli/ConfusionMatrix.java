package dev.llmaccel.cli;

import java.io.PrintWriter;
import java.util.List;

/**
 * Counts of (true label, predicted label) pairs and the metrics read from them: accuracy, and per
 * label and macro-averaged precision, recall and F1 (macro F1 is the mean of the labels' F1, as
 * scikit-learn computes it). A label never predicted has precision 0; one never present has recall 0.
 */
final class ConfusionMatrix {
    private final List<String> labels;
    private final long[][] counts;  // [true][predicted]

    ConfusionMatrix(List<String> labels) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("no labels");
        }
        this.labels = List.copyOf(labels);
        this.counts = new long[labels.size()][labels.size()];
    }

    void add(String truth, String predicted) {
        counts[index(truth)][index(predicted)]++;
    }

    /** Adds n observations of (truth, predicted) by label index. */
    void add(int truth, int predicted, long n) {
        counts[truth][predicted] += n;
    }

    private int index(String label) {
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("unknown label '" + label + "'");
        }
        return i;
    }

    List<String> labels() {
        return labels;
    }

    long total() {
        long n = 0;
        for (long[] row : counts) {
            for (long c : row) {
                n += c;
            }
        }
        return n;
    }

    double accuracy() {
        long right = 0;
        for (int i = 0; i < counts.length; i++) {
            right += counts[i][i];
        }
        long n = total();
        return n == 0 ? 0 : (double) right / n;
    }

    /** Of the examples predicted as label i, the share that are i. */
    double precision(int i) {
        long predicted = 0;
        for (long[] row : counts) {
            predicted += row[i];
        }
        return predicted == 0 ? 0 : (double) counts[i][i] / predicted;
    }

    /** Of the examples that are label i, the share predicted as i. */
    double recall(int i) {
        long actual = 0;
        for (long c : counts[i]) {
            actual += c;
        }
        return actual == 0 ? 0 : (double) counts[i][i] / actual;
    }

    double f1(int i) {
        double p = precision(i);
        double r = recall(i);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    long support(int i) {
        long n = 0;
        for (long c : counts[i]) {
            n += c;
        }
        return n;
    }

    double macroPrecision() {
        double s = 0;
        for (int i = 0; i < labels.size(); i++) {
            s += precision(i);
        }
        return s / labels.size();
    }

    double macroRecall() {
        double s = 0;
        for (int i = 0; i < labels.size(); i++) {
            s += recall(i);
        }
        return s / labels.size();
    }

    double macroF1() {
        double s = 0;
        for (int i = 0; i < labels.size(); i++) {
            s += f1(i);
        }
        return s / labels.size();
    }

    /** The metrics, a per-label table and the matrix (rows: true label, columns: predicted). */
    void print(PrintWriter out) {
        out.printf("accuracy        %.4f (%d examples)%n", accuracy(), total());
        out.printf("macro precision %.4f%nmacro recall    %.4f%nmacro F1        %.4f%n%n", macroPrecision(),
                macroRecall(), macroF1());
        int w = Math.max(8, labels.stream().mapToInt(String::length).max().orElse(8));
        out.printf("%-" + w + "s  precision  recall      F1  support%n", "label");
        for (int i = 0; i < labels.size(); i++) {
            out.printf("%-" + w + "s  %9.4f  %6.4f  %6.4f  %7d%n", labels.get(i), precision(i), recall(i), f1(i), support(i));
        }
        out.printf("%nconfusion matrix (rows: true label, columns: predicted)%n%-" + w + "s", "");
        int cw = Math.max(6, w);
        for (String l : labels) {
            out.printf(" %" + cw + "s", l);
        }
        out.println();
        for (int i = 0; i < labels.size(); i++) {
            out.printf("%-" + w + "s", labels.get(i));
            for (long c : counts[i]) {
                out.printf(" %" + cw + "d", c);
            }
            out.println();
        }
    }
}
