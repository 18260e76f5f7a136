package dev.jmamba.tensor;

/** The error function (the JDK has none), accurate to about 1e-15: exact GELU uses it, and so do the tests' references. */
public final class Erf {
    private Erf() {}

    /** erf(x): the Maclaurin series for |x| &lt; 2, the continued fraction of erfc for 2 ≤ |x| &lt; 6, ±1 beyond. */
    public static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 2.0) {
            // Maclaurin series: erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)); converges fast for |x| < 2
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 60; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            r = 2.0 / Math.sqrt(Math.PI) * sum;
        } else if (ax < 6.0) {
            // continued fraction for erfc: erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
            double f = ax;
            for (int k = 60; k >= 1; k--) f = ax + (k / 2.0) / f;
            r = 1.0 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        } else {
            r = 1.0;
        }
        return x < 0 ? -r : r;
    }
}
