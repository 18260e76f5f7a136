package dev.jmamba.ssm.block;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Conv1d;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.Seeds;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * The Mamba-1 block ([Mamba] §3.4; mamba_ssm {@code mamba_simple.Mamba}, spec selective-scan.md §5), input
 * (B, L, d_model) → output (B, L, d_model):
 * <pre>
 *   x, z = split(in_proj(h))                            (B, d_inner, L) each
 *   y    = scan(SiLU(causal_conv1d(x)) …, z-gated)      see {@link MambaBranch}
 *   out  = out_proj(y)
 * </pre>
 * Parameters, named as in the official state dict: {@code in_proj.weight}, {@code conv1d.weight},
 * {@code conv1d.bias}, {@code x_proj.weight}, {@code dt_proj.weight}, {@code dt_proj.bias},
 * {@code A_log}, {@code D}, {@code out_proj.weight}. A_log and D are flagged no-weight-decay.
 */
public final class MambaBlock extends Layer {
    private final MambaConfig config;
    private final Linear inProj;
    private final MambaBranch branch;
    private final Linear outProj;

    /** Builds the block with the official initialisation (Linear defaults, S4D-real A, special dt). */
    public MambaBlock(MambaConfig config) {
        this.config = config;
        int dm = config.dModel(), di = config.dInner();
        long seed = config.seed();
        this.inProj = register("in_proj", new Linear(dm, 2 * di, config.bias(), Seeds.derive(seed, 0)));
        this.branch = branch(new BlockRegistrar(this::register, this::param), config, "", Seeds.derive(seed, 1), true);
        this.outProj = register("out_proj", new Linear(di, dm, config.bias(), Seeds.derive(seed, 2)));
    }

    /**
     * Registers one direction's conv1d{suffix}, x_proj{suffix}, dt_proj{suffix}, A{suffix}_log and
     * D{suffix} on {@code owner} (registration order as in mamba_simple.py).
     *
     * @param mambaDtInit true: dt_proj gets the Mamba init (weight U(±R^−0.5·dt_scale), inverse-softplus
     *                    bias); false: dt_proj keeps the plain Linear default (Vim's dt_proj_b quirk)
     */
    static MambaBranch branch(BlockRegistrar owner, MambaConfig c, String suffix, long seed, boolean mambaDtInit) {
        int di = c.dInner(), n = c.dState(), r = c.dtRank();
        Conv1d conv = owner.child("conv1d" + suffix, Conv1d.causalDepthwise(di, c.dConv(), c.convBias(), Seeds.derive(seed, 0)));
        Linear xProj = owner.child("x_proj" + suffix, new Linear(di, r + 2 * n, false, Seeds.derive(seed, 1)));
        Linear dtProj = owner.child("dt_proj" + suffix, new Linear(r, di, true, Seeds.derive(seed, 2)));
        if (mambaDtInit) {
            dtProj.weight().set(MambaInit.dtProjWeight(Seeds.derive(seed, 3), r, c.dtScale(), di, r));
            dtProj.bias().set(MambaInit.dtBias(Seeds.derive(seed, 4), c.dtMin(), c.dtMax(), c.dtInitFloor(), di));
        }
        String aName = suffix.isEmpty() ? "A_log" : "A" + suffix + "_log";
        Parameter aLog = owner.parameter(aName, MambaInit.aLogS4dReal(di, n)).noWeightDecay(true);
        Parameter d = owner.parameter("D" + suffix, Tensor.ones(di)).noWeightDecay(true);
        return new MambaBranch(conv, xProj, dtProj, aLog, d, r, n);
    }

    /** (B, L, d_model) → (B, L, d_model). */
    @Override public Var forward(Var h) {
        checkInput(h, config.dModel(), "MambaBlock");
        int di = config.dInner();
        Var[] xz = inProj.forward(h).split(2, di, di);                     // (B, L, d_inner) x 2
        Var y = branch.forward(xz[0].transpose(1, 2), xz[1].transpose(1, 2)); // (B, d_inner, L)
        return outProj.forward(y.transpose(1, 2));                         // (B, L, d_model)
    }

    /**
     * The model-level re-initialisation of mamba_ssm / Vim for a stack of {@code nLayer} blocks:
     * Linear biases (only present with {@code bias = true}) zeroed, dt_proj.bias kept (flagged
     * no-reinit), out_proj.weight redrawn U(±1/sqrt(d_inner)) and divided by sqrt(nLayer).
     */
    public void applyModelInit(int nLayer, long seed) {
        ModelInit.zeroBias(inProj);
        ModelInit.zeroBias(outProj);
        ModelInit.rescaleOutProj(outProj, nLayer, seed);
    }

    public MambaConfig config() { return config; }

    static void checkInput(Var h, int dModel, String who) {
        if (h == null || h.rank() != 3 || h.size(2) != dModel) {
            throw new JmambaException(who + ": input must have shape (B, L, " + dModel + "), got "
                    + (h == null ? "null" : Arrays.toString(h.shape())));
        }
    }
}
