package dev.jmamba.ssm.block;

import dev.jmamba.tensor.JmambaException;

/**
 * Hyper-parameters of a Mamba-1 block (mamba_ssm {@code Mamba.__init__} defaults, spec
 * selective-scan.md §5). Use {@link #of} for the defaults and the {@code with...} methods to change one.
 *
 * @param dModel      model width (input and output channels)
 * @param dState      N, state size per channel (16)
 * @param dConv       causal depthwise convolution width (4)
 * @param expand      d_inner = expand · d_model (2)
 * @param dtRank      R, rank of the step-size projection ("auto" = ceil(d_model / 16))
 * @param dtMin       smallest initial step size (0.001)
 * @param dtMax       largest initial step size (0.1)
 * @param dtInitFloor lower clamp of the initial step size (1e-4)
 * @param dtScale     scale of the dt_proj weight range (1.0)
 * @param convBias    whether conv1d has a bias (true)
 * @param bias        whether in_proj and out_proj have biases (false)
 * @param seed        seed of every random initialisation in the block
 */
public record MambaConfig(int dModel, int dState, int dConv, int expand, int dtRank, double dtMin, double dtMax,
                          double dtInitFloor, double dtScale, boolean convBias, boolean bias, long seed) {

    /** Checks the sizes and the step-size range. */
    public MambaConfig {
        if (dModel < 1 || dState < 1 || dConv < 1 || expand < 1 || dtRank < 1) {
            throw new JmambaException("MambaConfig: d_model, d_state, d_conv, expand and dt_rank must be >= 1, got "
                    + dModel + ", " + dState + ", " + dConv + ", " + expand + ", " + dtRank);
        }
        if (!(dtMin > 0 && dtMin <= dtMax && dtInitFloor >= 0 && dtScale > 0)) {
            throw new JmambaException("MambaConfig: need 0 < dt_min <= dt_max, dt_init_floor >= 0, dt_scale > 0, got dt_min "
                    + dtMin + ", dt_max " + dtMax + ", dt_init_floor " + dtInitFloor + ", dt_scale " + dtScale);
        }
    }

    /** The defaults of mamba_ssm for {@code dModel}: N 16, d_conv 4, expand 2, dt_rank ceil(d_model/16). */
    public static MambaConfig of(int dModel, long seed) {
        return new MambaConfig(dModel, 16, 4, 2, autoDtRank(dModel), 0.001, 0.1, 1e-4, 1.0, true, false, seed);
    }

    /** "auto" dt_rank: ceil(d_model / 16). */
    public static int autoDtRank(int dModel) { return Math.ceilDiv(dModel, 16); }

    /** expand · d_model. */
    public int dInner() { return expand * dModel; }

    /** The same with state size {@code n}. */
    public MambaConfig withDState(int n) {
        return new MambaConfig(dModel, n, dConv, expand, dtRank, dtMin, dtMax, dtInitFloor, dtScale, convBias, bias, seed);
    }

    /** The same with expansion factor {@code e}. */
    public MambaConfig withExpand(int e) {
        return new MambaConfig(dModel, dState, dConv, e, dtRank, dtMin, dtMax, dtInitFloor, dtScale, convBias, bias, seed);
    }

    /** The same with another seed. */
    public MambaConfig withSeed(long s) {
        return new MambaConfig(dModel, dState, dConv, expand, dtRank, dtMin, dtMax, dtInitFloor, dtScale, convBias, bias, s);
    }
}
