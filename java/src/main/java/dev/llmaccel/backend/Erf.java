package dev.llmaccel.backend;

/** The error function in double precision (Java's Math has none). */
final class Erf {
    private Erf() {}

    /**
     * erf(x) with absolute error below 1.2e-7 everywhere (Numerical Recipes' erfc via a Chebyshev
     * fit of exp(-z²) times a polynomial), enough for a float reference.
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - r : r - 1;
    }
}
