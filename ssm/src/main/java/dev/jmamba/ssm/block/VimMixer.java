package dev.jmamba.ssm.block;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Seeds;
import dev.jmamba.ssm.SelectiveScan;

/**
 * Vim's bidirectional mixer ([Vim], docs/REFERENCES.md): mamba_ssm {@code Mamba} with {@code bimamba_type="v2"} and
 * {@code if_divide_out=True} (spec vim.md §3), input (B, L, d_model) → (B, L, d_model):
 * <pre>
 *   x, z  = split(in_proj(h))                                    shared projection
 *   out_f = branch(x, z)                  conv1d,   x_proj,   dt_proj,   A_log,   D
 *   out_b = branch(flip_L(x), flip_L(z))  conv1d_b, x_proj_b, dt_proj_b, A_b_log, D_b
 *   out   = out_proj((out_f + flip_L(out_b)) / 2)
 * </pre>
 * The backward branch is gated by the flipped z, so after flipping back each token is gated by its own z.
 *
 * <p>Initialisation quirk of the official code, reproduced: {@code dt_proj_b} is a plain
 * {@code nn.Linear}, so its weight keeps PyTorch's default U(±1/sqrt(dt_rank)) and its bias is a
 * default-initialised bias not flagged "no re-init"; the model-level re-init
 * ({@link #applyModelInit}, which the vision model must call with its depth) then zeroes it, so the
 * initial backward-branch step is softplus(0) = ln 2 where the forward branch gets dt in [1e-3, 0.1].
 */
public final class VimMixer extends Layer {
    private final MambaConfig config;
    private final Linear inProj;
    private final MambaBranch forwardBranch;
    private final MambaBranch backwardBranch;
    private final Linear outProj;

    /** Builds the mixer with the initialisation of mamba_simple.py (before the model-level re-init). */
    public VimMixer(MambaConfig config) {
        this.config = config;
        int dm = config.dModel(), di = config.dInner();
        long seed = config.seed();
        BlockRegistrar reg = new BlockRegistrar(this::register, this::param);
        this.inProj = register("in_proj", new Linear(dm, 2 * di, config.bias(), Seeds.derive(seed, 0)));
        this.forwardBranch = MambaBlock.branch(reg, config, "", Seeds.derive(seed, 1), true);
        this.backwardBranch = MambaBlock.branch(reg, config, "_b", Seeds.derive(seed, 3), false);
        this.outProj = register("out_proj", new Linear(di, dm, config.bias(), Seeds.derive(seed, 2)));
    }

    /**
     * (B, L, d_model) → (B, L, d_model). On a GPU computed on channel-major rows (see {@link MambaBranch#forwardRows}):
     * x and z come from two GEMMs with the halves of in_proj.weight (the same numbers as one GEMM and a
     * split, without a split's gradient copies), the backward direction scans each sequence from its end
     * instead of flipping, both directions' scans run as one node ({@link SelectiveScan#scanPair}: one kernel
     * launch per pass on the GPU), and out_proj reads the averaged rows transposed.
     */
    @Override public Var forward(Var h) {
        // the CPU kernels want contiguous (B, D, L) rows and flip by copying: there the token-major formulation is
        // faster (vim-nano, batch 32 at 28 px, 2-core CPU: 161–183 ms per training step vs 197–228 ms on rows)
        return h.value().device() instanceof dev.jmamba.tensor.Device.Cpu ? forwardReference(h) : forwardRows(h);
    }

    /** The channel-major computation of {@link #forward} (the one GPUs run; tests compare it with the reference). */
    Var forwardRows(Var h) {
        MambaBlock.checkInput(h, config.dModel(), "VimMixer");
        int batch = h.size(0), length = h.size(1), dm = config.dModel(), di = config.dInner();
        Var tokensT = h.reshape(batch * length, dm).transpose(0, 1);               // (d_model, B·L)
        Var w = inProj.weight().var();                                              // (2·d_inner, d_model)
        Var x = w.narrow(0, 0, di).matmul(tokensT);                                 // (d_inner, B·L)
        Var z = w.narrow(0, di, di).matmul(tokensT);                                // (d_inner, B·L)
        if (inProj.bias() != null) {
            Var[] bias = inProj.bias().var().unsqueeze(1).split(0, di, di);
            x = x.add(bias[0]);
            z = z.add(bias[1]);
        }
        Var[] scans = SelectiveScan.scanPair(                                        // both directions in one launch
                forwardBranch.scanInputs(x, z, batch, length, false), false,
                backwardBranch.scanInputs(x, z, batch, length, true), true, true);   // (B, d_inner, L) x 2, token order
        Var y = MambaBranch.rows(scans[0]).add(MambaBranch.rows(scans[1])).mul(0.5);  // (d_inner, B·L), if_divide_out
        Var out = y.transpose(0, 1).matmul(outProj.weight().var().transpose(0, 1));  // (B·L, d_model)
        if (outProj.bias() != null) out = out.add(outProj.bias().var());
        return out.reshape(batch, length, dm);
    }

    /** The formulation of the spec (token-major, flips), kept as the readable reference the tests compare with. */
    Var forwardReference(Var h) {
        MambaBlock.checkInput(h, config.dModel(), "VimMixer");
        int di = config.dInner();
        Var[] xz = inProj.forward(h).split(2, di, di);                      // (B, L, d_inner) x 2
        Var x = xz[0].transpose(1, 2), z = xz[1].transpose(1, 2);           // (B, d_inner, L)
        Var outF = forwardBranch.forward(x, z);                                   // (B, d_inner, L)
        Var outB = backwardBranch.forward(x.flip(2), z.flip(2));                  // (B, d_inner, L), reversed order
        Var y = outF.add(outB.flip(2)).mul(0.5);                            // if_divide_out
        return outProj.forward(y.transpose(1, 2));                          // (B, L, d_model)
    }

    /**
     * The model-level re-init of Vim ({@code _init_weights(n_layer)}) for this mixer: every Linear bias
     * not flagged no-reinit is zeroed (dt_proj_b.bias, and in_proj/out_proj biases when present;
     * dt_proj.bias keeps its inverse-softplus value), and out_proj.weight is redrawn
     * U(±1/sqrt(d_inner)) / sqrt(nLayer).
     */
    public void applyModelInit(int nLayer, long seed) {
        ModelInit.zeroBias(inProj);
        ModelInit.zeroBias(backwardBranch.dtProj());
        ModelInit.zeroBias(outProj);
        ModelInit.rescaleOutProj(outProj, nLayer, seed);
    }

    public MambaConfig config() { return config; }
}
