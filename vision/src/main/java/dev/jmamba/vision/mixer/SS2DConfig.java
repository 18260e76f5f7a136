package dev.jmamba.vision.mixer;

import dev.jmamba.tensor.JmambaException;

/**
 * Hyper-parameters of VMamba's SS2D operator in its "v05_noz" form (spec vmamba.md §2): no z gate,
 * depthwise Conv2d, grouped scan over K directions, LayerNorm on the merged output.
 *
 * @param dModel      C, channels of the feature map
 * @param dState      N (1 for VMamba-T v2)
 * @param ssmRatio    d_inner = round(ssm_ratio · C) (1.0 for s1l8, 2.0 for s2l5)
 * @param dtRank      R ("auto" = ceil(C / 16))
 * @param dConv       depthwise Conv2d kernel (3), padding (d_conv − 1) / 2
 * @param convBias    whether the Conv2d has a bias (false in v2)
 * @param dtMin       smallest initial step size (0.001)
 * @param dtMax       largest initial step size (0.1)
 * @param dtInitFloor lower clamp of the initial step size (1e-4)
 * @param seed        seed of every random initialisation
 */
public record SS2DConfig(int dModel, int dState, double ssmRatio, int dtRank, int dConv, boolean convBias,
                         double dtMin, double dtMax, double dtInitFloor, long seed) {

    /** Checks sizes and ranges. */
    public SS2DConfig {
        if (dModel < 1 || dState < 1 || dtRank < 1 || dConv < 1 || dConv % 2 == 0 || !(ssmRatio > 0)) {
            throw new JmambaException("SS2DConfig: need d_model, d_state, dt_rank >= 1, an odd d_conv and ssm_ratio > 0, got "
                    + dModel + ", " + dState + ", " + dtRank + ", " + dConv + ", " + ssmRatio);
        }
        if (!(dtMin > 0 && dtMin <= dtMax && dtInitFloor >= 0)) {
            throw new JmambaException("SS2DConfig: need 0 < dt_min <= dt_max and dt_init_floor >= 0, got "
                    + dtMin + ", " + dtMax + ", " + dtInitFloor);
        }
    }

    /** VMamba-T [s1l8] (vmambav2v_tiny_224): N 1, ssm_ratio 1.0, dt_rank auto, d_conv 3 without bias. */
    public static SS2DConfig vmambaTinyS1l8(int dModel, long seed) {
        return new SS2DConfig(dModel, 1, 1.0, Math.ceilDiv(dModel, 16), 3, false, 0.001, 0.1, 1e-4, seed);
    }

    /** d_inner = (int) (ssm_ratio · d_model), as VMamba computes it. */
    public int dInner() { return (int) (ssmRatio * dModel); }

    /** The same with state size {@code n}. */
    public SS2DConfig withDState(int n) {
        return new SS2DConfig(dModel, n, ssmRatio, dtRank, dConv, convBias, dtMin, dtMax, dtInitFloor, seed);
    }

    /** The same with another seed. */
    public SS2DConfig withSeed(long s) {
        return new SS2DConfig(dModel, dState, ssmRatio, dtRank, dConv, convBias, dtMin, dtMax, dtInitFloor, s);
    }
}
