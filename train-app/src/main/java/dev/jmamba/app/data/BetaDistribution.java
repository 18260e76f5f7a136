package dev.jmamba.app.data;

import java.util.SplittableRandom;

/** Samples Beta(α, α) (the mixup / cutmix mixing weight) as G1 / (G1 + G2) of two Gamma(α, 1) draws. */
final class BetaDistribution {
    private BetaDistribution() {
    }

    /** One draw of Beta(alpha, alpha), alpha &gt; 0. */
    static double symmetric(double alpha, SplittableRandom rng) {
        double a = gamma(alpha, rng);
        double b = gamma(alpha, rng);
        return a + b == 0 ? 0.5 : a / (a + b);
    }

    /**
     * Gamma(shape, 1) by Marsaglia and Tsang (2000); for shape &lt; 1 uses Gamma(shape + 1) · U^(1/shape).
     */
    static double gamma(double shape, SplittableRandom rng) {
        if (shape < 1) {
            double u = rng.nextDouble();
            return gamma(shape + 1, rng) * Math.pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3.0;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = rng.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v;
            if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
        }
    }
}
