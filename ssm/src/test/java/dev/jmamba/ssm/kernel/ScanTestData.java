package dev.jmamba.ssm.kernel;

import java.util.SplittableRandom;

/** Seeded random selective-scan inputs with realistic ranges (decays in (0, 1), dt mostly in [0.02, 0.3]). */
final class ScanTestData {

    /** Which optional inputs a case uses. */
    record Options(boolean z, boolean dSkip, boolean deltaBias, boolean softplus) {
        static final Options ALL = new Options(true, true, true, true);
        static final Options NONE = new Options(false, false, false, false);

        @Override public String toString() {
            return (z ? "z" : "-") + (dSkip ? "D" : "-") + (deltaBias ? "bias" : "-") + (softplus ? "+softplus" : "");
        }
    }

    private ScanTestData() {}

    static ScanArgs random(ScanShape s, Options o, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int seqSize = s.sequenceSize(), bcSize = s.groupedSize(), D = s.channels(), N = s.state();
        float[] u = normal(r, seqSize, 1.0);
        float[] delta = new float[seqSize];
        for (int i = 0; i < seqSize; i++) {
            // with softplus: dt = softplus(delta + bias), bias in [-4, -1] gives dt ~ [0.02, 0.6];
            // without: delta is dt itself and must be positive
            delta[i] = (float) (o.softplus() ? 0.5 * r.nextGaussian() : r.nextDouble(0.001, 0.1));
        }
        float[] A = new float[D * N];
        for (int i = 0; i < A.length; i++) A[i] = (float) -Math.exp(r.nextDouble(-2, 1));   // A in [-2.7, -0.14]
        float[] Bm = normal(r, bcSize, 1.0), Cm = normal(r, bcSize, 1.0);
        float[] dSkip = null, z = null, bias = null;
        if (o.dSkip()) {
            dSkip = new float[D];
            for (int d = 0; d < D; d++) dSkip[d] = (float) (1 + 0.5 * r.nextGaussian());
        }
        if (o.z()) z = normal(r, seqSize, 1.0);
        if (o.deltaBias()) {
            bias = new float[D];
            for (int d = 0; d < D; d++) bias[d] = (float) (o.softplus() ? r.nextDouble(-4, -1) : r.nextDouble(0, 0.05));
        }
        return new ScanArgs(s, u, delta, A, Bm, Cm, dSkip, z, bias, o.softplus());
    }

    static float[] normal(SplittableRandom r, int size, double std) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (std * r.nextGaussian());
        return x;
    }
}
