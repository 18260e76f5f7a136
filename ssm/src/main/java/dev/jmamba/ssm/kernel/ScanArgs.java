package dev.jmamba.ssm.kernel;

import dev.jmamba.tensor.JmambaException;

/**
 * The inputs of one float32 selective scan, validated once against {@link ScanShape}. Arrays are
 * contiguous row-major in the shapes given; the optional ones may be null.
 *
 * @param shape         the sizes B, D, L, N, G
 * @param u             (B, D, L) input sequence
 * @param delta         (B, D, L) raw step size, before bias and softplus
 * @param A             (D, N) state matrix diagonal (negative in practice)
 * @param Bm            (B, G, N, L) input-dependent B, one row per group
 * @param Cm            (B, G, N, L) input-dependent C, one row per group
 * @param dSkip         (D) skip weight "D", or null
 * @param z             (B, D, L) gate input, or null
 * @param deltaBias     (D) bias added to delta before softplus, or null
 * @param deltaSoftplus whether dt = softplus(delta + bias)
 */
public record ScanArgs(ScanShape shape, float[] u, float[] delta, float[] A, float[] Bm, float[] Cm,
                       float[] dSkip, float[] z, float[] deltaBias, boolean deltaSoftplus) {

    /** Checks every array against the shape; throws naming the first array that does not fit. */
    public ScanArgs {
        if (shape == null) throw new JmambaException("shape must not be null");
        shape.requireInputLengths(len(u), len(delta), len(A), len(Bm), len(Cm), len(dSkip), len(z), len(deltaBias));
    }

    /** The same inputs widened to float64, for {@link SelectiveScanReference}. */
    public ScanArgsF64 toF64() {
        return new ScanArgsF64(shape, widen(u), widen(delta), widen(A), widen(Bm), widen(Cm),
                widen(dSkip), widen(z), widen(deltaBias), deltaSoftplus);
    }

    static int len(float[] array) { return array == null ? -1 : array.length; }

    /** (any) a float array widened to double, null stays null. */
    public static double[] widen(float[] array) {
        if (array == null) return null;
        double[] out = new double[array.length];
        for (int i = 0; i < array.length; i++) out[i] = array[i];
        return out;
    }
}
