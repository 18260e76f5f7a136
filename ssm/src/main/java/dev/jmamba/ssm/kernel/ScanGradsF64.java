package dev.jmamba.ssm.kernel;

/**
 * Float64 gradients of a selective scan (from {@link SelectiveScanReference}); the gradient of an
 * input that was not given (null) is null.
 *
 * @param du         (B, D, L)
 * @param ddelta     (B, D, L) with respect to the raw delta
 * @param dA         (D, N)
 * @param dB         (B, G, N, L)
 * @param dC         (B, G, N, L)
 * @param dDskip     (D) or null
 * @param dz         (B, D, L) or null
 * @param ddeltaBias (D) or null
 */
public record ScanGradsF64(double[] du, double[] ddelta, double[] dA, double[] dB, double[] dC,
                           double[] dDskip, double[] dz, double[] ddeltaBias) {}
