package dev.llmaccel.backend;

/**
 * The error function in double precision (Java's Math has none), for the reference backend. It is
 * deliberately not the kernels' formula (they evaluate Numerical Recipes' Chebyshev fit of erfc in
 * float): an oracle that shared their polynomial would share its errors. Here erf comes from its
 * series of positive terms and erfc's tail from its continued fraction, both to about 1e-15.
 */
final class Erf {
    private Erf() {}

    /** Below this |x| the series gives erf; above it the continued fraction gives erfc. */
    private static final double SERIES_LIMIT = 3;

    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    /** erf(x) to a relative error of about 1e-15. */
    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double z = Math.abs(x);
        double r = z < SERIES_LIMIT ? erfSeries(z) : 1 - erfcContinuedFraction(z);
        return Math.copySign(r, x);
    }

    /**
     * erfc(x) = 1 − erf(x), to a relative error below 1e-11 for x < 3 and about 1e-15 above, where
     * it is tiny and 1 − erf(x) would lose it all: GELU of a large negative x is x/2 · erfc(−x/√2).
     */
    static double erfc(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (x < 0) {
            return 1 + erf(-x);
        }
        return x < SERIES_LIMIT ? 1 - erfSeries(x) : erfcContinuedFraction(x);
    }

    /**
     * erf(z) = 2/√π · exp(−z²) · Σₙ 2ⁿ z^(2n+1) / (1·3·5···(2n+1)) (Abramowitz–Stegun 7.1.6), for
     * 0 ≤ z < 3: every term is positive, so nothing cancels; the terms fall below 1e-17 of the sum
     * after about 60 of them at z = 3.
     */
    private static double erfSeries(double z) {
        double z2 = z * z;
        double term = z;
        double sum = z;
        for (int n = 1; term > 1e-17 * sum; n++) {
            term *= 2 * z2 / (2 * n + 1);
            sum += term;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-z2) * sum;
    }

    /**
     * erfc(z) = exp(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...))))) (A&S 7.1.14), for
     * z ≥ 3, evaluated by the modified Lentz method until a step changes the value by under 1e-16.
     */
    private static double erfcContinuedFraction(double z) {
        if (z > 27) {
            return 0;  // erfc(27) ≈ 5e-319 is subnormal already; and at z = ∞ Lentz would give NaN
        }
        final double tiny = 1e-300;
        double f = z;  // b0 = z; then a_n = n/2, b_n = z
        double c = f;
        double d = 0;
        for (int n = 1; n < 500; n++) {
            double a = n / 2.0;
            d = z + a * d;
            d = 1 / (Math.abs(d) < tiny ? tiny : d);
            c = z + a / c;
            if (Math.abs(c) < tiny) {
                c = tiny;
            }
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
    }
}
