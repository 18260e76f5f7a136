package dev.jmamba.tensor.cuda;

/** erf in double precision for test references (the JDK has none): Abramowitz–Stegun 7.1.26 is too coarse, so a series/continued fraction. */
final class Erf {
    private Erf() {}

    /** erf(x) to about 1e-15: Taylor series for |x| < 3, erfc continued fraction beyond. */
    static double erf(double x) {
        double ax = Math.abs(x);
        double result;
        if (ax < 3) {
            // erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
            double term = ax;
            double sum = ax;
            for (int n = 1; n < 200; n++) {
                term *= -ax * ax / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) (Lentz-free backward evaluation)
            double fraction = 0;
            for (int k = 60; k >= 1; k--) fraction = (k / 2.0) / (ax + fraction);
            result = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + fraction);
        }
        return x < 0 ? -result : result;
    }
}
