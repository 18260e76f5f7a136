package dev.jmamba.ssm.kernel;

import dev.jmamba.tensor.JmambaException;

/**
 * The inputs of one float64 selective scan (used by {@link SelectiveScanReference}); the same
 * fields, shapes and checks as {@link ScanArgs}.
 *
 * @param shape         the sizes B, D, L, N, G
 * @param u             (B, D, L) input sequence
 * @param delta         (B, D, L) raw step size, before bias and softplus
 * @param A             (D, N) state matrix diagonal
 * @param Bm            (B, G, N, L) input-dependent B
 * @param Cm            (B, G, N, L) input-dependent C
 * @param dSkip         (D) skip weight, or null
 * @param z             (B, D, L) gate input, or null
 * @param deltaBias     (D) bias of delta, or null
 * @param deltaSoftplus whether dt = softplus(delta + bias)
 */
public record ScanArgsF64(ScanShape shape, double[] u, double[] delta, double[] A, double[] Bm, double[] Cm,
                          double[] dSkip, double[] z, double[] deltaBias, boolean deltaSoftplus) {

    /** Checks every array against the shape; throws naming the first array that does not fit. */
    public ScanArgsF64 {
        if (shape == null) throw new JmambaException("shape must not be null");
        shape.requireInputLengths(len(u), len(delta), len(A), len(Bm), len(Cm), len(dSkip), len(z), len(deltaBias));
    }

    static int len(double[] array) { return array == null ? -1 : array.length; }
}
