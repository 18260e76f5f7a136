package dev.jmamba.ssm.kernel;

/**
 * Float32 gradients of a selective scan with respect to each input; the gradient of an input
 * that was not given (null) is null.
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
public record ScanGrads(float[] du, float[] ddelta, float[] dA, float[] dB, float[] dC,
                        float[] dDskip, float[] dz, float[] ddeltaBias) {}
