package dev.jmamba.vision;

import dev.jmamba.tensor.JmambaException;

/** Stochastic-depth schedules. */
public final class DropPaths {
    private DropPaths() {}

    /**
     * {@code linspace(0, rate, n)}: block i of n gets rate·i/(n−1) (timm, VMamba, GrootV).
     * One block gets 0.
     */
    public static double[] linear(double rate, int n) {
        if (rate < 0 || rate >= 1) throw new JmambaException("drop-path rate must be in [0, 1), got " + rate);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = n == 1 ? 0 : rate * i / (n - 1);
        return r;
    }
}
