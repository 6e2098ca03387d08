package dev.llmaccel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {
    /**
     * rows true, columns predicted:
     *        a  b  c
     *   a    5  2  0
     *   b    1  3  1
     *   c    0  0  4
     * precision a 5/6, b 3/5, c 4/5; recall a 5/7, b 3/5, c 4/4.
     */
    private static ConfusionMatrix handMade() {
        ConfusionMatrix m = new ConfusionMatrix(List.of("a", "b", "c"));
        long[][] counts = {{5, 2, 0}, {1, 3, 1}, {0, 0, 4}};
        for (int t = 0; t < 3; t++) {
            for (int p = 0; p < 3; p++) {
                m.add(t, p, counts[t][p]);
            }
        }
        return m;
    }

    @Test
    void metricsOfAHandMadeMatrix() {
        ConfusionMatrix m = handMade();
        assertEquals(16, m.total());
        assertEquals(12.0 / 16, m.accuracy(), 1e-12);
        assertEquals(5.0 / 6, m.precision(0), 1e-12);
        assertEquals(3.0 / 5, m.precision(1), 1e-12);
        assertEquals(4.0 / 5, m.precision(2), 1e-12);
        assertEquals(5.0 / 7, m.recall(0), 1e-12);
        assertEquals(3.0 / 5, m.recall(1), 1e-12);
        assertEquals(1.0, m.recall(2), 1e-12);
        double f1a = 2 * (5.0 / 6) * (5.0 / 7) / (5.0 / 6 + 5.0 / 7);  // 10/13
        assertEquals(10.0 / 13, f1a, 1e-12);
        assertEquals(f1a, m.f1(0), 1e-12);
        assertEquals(0.6, m.f1(1), 1e-12);
        assertEquals(8.0 / 9, m.f1(2), 1e-12);
        assertEquals((5.0 / 6 + 3.0 / 5 + 4.0 / 5) / 3, m.macroPrecision(), 1e-12);
        assertEquals((5.0 / 7 + 3.0 / 5 + 1.0) / 3, m.macroRecall(), 1e-12);
        assertEquals((10.0 / 13 + 0.6 + 8.0 / 9) / 3, m.macroF1(), 1e-12);
        assertEquals(7, m.support(0));
    }

    @Test
    void aLabelNeverPredictedHasZeroPrecisionAndF1() {
        ConfusionMatrix m = new ConfusionMatrix(List.of("x", "y"));
        m.add("x", "x");
        m.add("y", "x");
        assertEquals(0.5, m.precision(0), 1e-12);
        assertEquals(0, m.precision(1));
        assertEquals(0, m.recall(1));
        assertEquals(0, m.f1(1));
        assertEquals(0.5, m.accuracy(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> m.add("x", "z"));
        assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(List.of()));
    }

    @Test
    void printsTheMatrixAndTheMetrics() {
        StringWriter s = new StringWriter();
        handMade().print(new PrintWriter(s, true));
        String text = s.toString();
        assertTrue(text.contains("accuracy        0.7500"), text);
        assertTrue(text.contains("macro F1        " + String.format("%.4f", (10.0 / 13 + 0.6 + 8.0 / 9) / 3)), text);
        assertTrue(text.matches("(?s).*\\ba\\s+5\\s+2\\s+0\\b.*"), text);
    }
}
