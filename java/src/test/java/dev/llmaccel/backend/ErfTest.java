package dev.llmaccel.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

/**
 * The oracle's erf against values known independently of it: published ones, and erf's Maclaurin
 * series summed in 80-digit decimal arithmetic (a different formula from {@link Erf}'s, exact
 * enough that its own error does not show). The kernels' float polynomial is off by up to about
 * 1e-7; the oracle must be far closer than that for the op suite to judge them.
 */
class ErfTest {

    /** erf(x) at x = 0.5, 1, 1.5, 2, 3 (Abramowitz–Stegun Table 7.1, extended to 16 digits). */
    @Test
    void matchesPublishedValuesOfErf() {
        double[][] table = {{0.5, 0.5204998778130465}, {1, 0.8427007929497149}, {1.5, 0.9661051464753108},
                            {2, 0.9953222650189527}, {3, 0.9999779095030014}};
        for (double[] row : table) {
            assertEquals(row[1], Erf.erf(row[0]), 1e-15, "erf(" + row[0] + ")");
            assertEquals(-row[1], Erf.erf(-row[0]), 1e-15, "erf(-" + row[0] + ")");
        }
        assertEquals(0.0, Erf.erf(0.0));
        assertEquals(1.0, Erf.erf(30.0));
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
    }

    /** erfc in its tail, where 1 − erf would have no digits left (relative error 1e-14). */
    @Test
    void matchesPublishedValuesOfErfcInTheTail() {
        double[][] table = {{3, 2.2090496998585438e-05}, {4, 1.541725790028002e-08}, {5, 1.5374597944280351e-12},
                            {6, 2.1519736712498916e-17}, {10, 2.088487583762545e-45}};
        for (double[] row : table) {
            double got = Erf.erfc(row[0]);
            assertEquals(row[1], got, 1e-14 * row[1], "erfc(" + row[0] + ")");
            assertEquals(2 - row[1], Erf.erfc(-row[0]), 1e-15, "erfc(-" + row[0] + ")");
        }
        assertEquals(0.0, Erf.erfc(Double.POSITIVE_INFINITY));
    }

    @Test
    void agreesWithTheMaclaurinSeriesInHighPrecision() {
        for (int i = -120; i <= 120; i++) {
            double x = i / 20.0 + 0.0123;  // off the grid of round numbers
            BigDecimal exact = erfMaclaurin(x);
            double erf = exact.doubleValue();
            assertEquals(erf, Erf.erf(x), 1e-15, "erf(" + x + ")");
            if (x > 0) {
                double erfc = BigDecimal.ONE.subtract(exact).doubleValue();
                double bound = (x < 3 ? 1e-11 : 1e-14) * erfc;
                assertEquals(erfc, Erf.erfc(x), bound, "erfc(" + x + ")");
            }
        }
    }

    /**
     * erf(x) = 2/√π Σₙ (−1)ⁿ x^(2n+1) / (n! (2n+1)), summed with 80 significant digits: at |x| = 6
     * the largest term is about 1e14 and the sum's error stays below 1e-60.
     */
    private static final BigDecimal PI = new BigDecimal(
            "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803");

    private static BigDecimal erfMaclaurin(double x) {
        MathContext mc = new MathContext(80);
        BigDecimal bx = new BigDecimal(x);
        BigDecimal x2 = bx.multiply(bx, mc);
        BigDecimal power = bx;  // (−1)ⁿ x^(2n+1) / n!
        BigDecimal sum = bx;
        BigDecimal limit = new BigDecimal("1e-70");
        for (int n = 1; power.abs().compareTo(limit) > 0; n++) {
            power = power.multiply(x2, mc).divide(BigDecimal.valueOf(-n), mc);
            sum = sum.add(power.divide(BigDecimal.valueOf(2L * n + 1), mc), mc);
        }
        BigDecimal sqrtPi = PI.sqrt(mc);
        return sum.multiply(BigDecimal.valueOf(2), mc).divide(sqrtPi, mc);
    }
}
