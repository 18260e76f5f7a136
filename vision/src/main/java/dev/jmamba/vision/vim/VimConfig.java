package dev.jmamba.vision.vim;

import dev.jmamba.ssm.block.MambaConfig;
import dev.jmamba.ssm.block.VimMixer;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.BackboneConfig;
import dev.jmamba.vision.CostReport;
import dev.jmamba.vision.IsotropicCost;
import dev.jmamba.vision.IsotropicNet;
import dev.jmamba.vision.Mixer;
import dev.jmamba.vision.ModelSpec;
import dev.jmamba.vision.Tokenizer;

/**
 * Vision Mamba (Vim, spec vim.md): patch embedding, middle class token (index M/2), absolute
 * position embedding, {@code depth} bidirectional "bimamba v2" mixers (ssm's {@link VimMixer},
 * outputs of the two directions averaged) in add → RMSNorm → mixer layers, norm_f, head on the
 * class token.
 *
 * @param name     registry name
 * @param patch    patch size (16 for the published models)
 * @param dim      embedding width
 * @param depth    number of layers
 * @param dState   SSM state size N
 * @param expand   d_inner = expand · dim
 * @param dConv    causal conv width
 * @param dropPath stochastic-depth rate
 */
public record VimConfig(String name, int patch, int dim, int depth, int dState, int expand, int dConv, double dropPath)
        implements BackboneConfig {

    /** Vim-Ti (7,148,008 parameters with a 1000-class head). */
    public static VimConfig tiny() { return new VimConfig("vim-tiny", 16, 192, 24, 16, 2, 4, 0.0); }

    /** Vim-S (25,796,584 parameters with a 1000-class head). */
    public static VimConfig small() { return new VimConfig("vim-small", 16, 384, 24, 16, 2, 4, 0.05); }

    /** A small Vim for 28×28 / 32×32 inputs on a CPU. */
    public static VimConfig nano() { return new VimConfig("vim-nano", 4, 48, 4, 8, 2, 4, 0.0); }

    /** The ssm block config (mamba_ssm defaults for dt init, conv bias on, no projection biases). */
    MambaConfig mamba(long seed) {
        return new MambaConfig(dim, dState, dConv, expand, MambaConfig.autoDtRank(dim), 0.001, 0.1, 1e-4, 1.0, true, false, seed);
    }

    @Override public VimConfig withDropPath(double rate) { return new VimConfig(name, patch, dim, depth, dState, expand, dConv, rate); }

    /** The patch embedding's stride: other sides would lose their last rows and columns. */
    @Override public int inputMultiple() { return patch; }

    @Override public Backbone build(ModelSpec spec) {
        return new Vim(this, spec);
    }

    @Override public CostReport cost(ModelSpec spec) {
        return IsotropicCost.of(name, spec, Tokenizer.patches(patch, true), dim, patch, depth,
                IsotropicCost.mamba(dim, expand, dState, dConv, 2));
    }

    /** The Vim model. */
    public static final class Vim extends IsotropicNet {
        Vim(VimConfig c, ModelSpec spec) {
            super(c, spec, c.dim, c.patch, c.depth, c.dropPath, Tokenizer.patches(c.patch, true),
                    (i, seed) -> {
                        VimMixer m = new VimMixer(c.mamba(seed));
                        return Mixer.sequential(m, m::applyModelInit);
                    });
        }
    }
}
