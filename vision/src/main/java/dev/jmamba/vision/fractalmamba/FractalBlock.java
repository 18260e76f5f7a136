package dev.jmamba.vision.fractalmamba;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.DropPath;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.LayerNorm;
import dev.jmamba.nn.Seeds;
import dev.jmamba.nn.Sequential;
import dev.jmamba.vision.Mlp;
import dev.jmamba.vision.mixer.MultiScanMixer;
import dev.jmamba.vision.mixer.SS2DConfig;
import dev.jmamba.vision.mixer.ScanOrderSet;

/**
 * One FractalMamba layer in GrootV's layout (spec fractalmamba.md §3), channels-last (B, H, W, C):
 * x = x + DropPath(op(norm1(x))); x = x + DropPath(mlp(norm2(x))). {@code op} is the Fractal
 * Fusion Pathway: ssm's {@link MultiScanMixer} scanning the K pathway orders of the current grid
 * (regenerated per grid) in one grouped selective scan and summing them back (cross-merge), with
 * GrootV Tree_SSM's z gate and hidden-state norm when the config's extras ask for them.
 * Names: {@code norm1.0}, {@code op.*}, {@code norm2.0}, {@code mlp.fc1/fc2} (GrootV wraps its
 * norms in a Sequential; its mixer is called {@code TreeSSM}, ours {@code op} as in VMamba).
 */
final class FractalBlock extends Layer {
    private final LayerNorm norm1;   // registered inside a Sequential ("norm1.0"), as GrootV names it
    private final MultiScanMixer op;
    private final LayerNorm norm2;   // "norm2.0"
    private final Mlp mlp;
    private final DropPath dropPath;

    FractalBlock(int dim, FractalMambaConfig c, double dropPathRate, long seed) {
        this.norm1 = new LayerNorm(dim, FractalMambaConfig.NORM_EPS, true, true);
        register("norm1", new Sequential(norm1));
        SS2DConfig sc = new SS2DConfig(dim, c.dState(), c.ssmRatio(), Math.ceilDiv(dim, 16), 3, false, 0.001, 0.1, 1e-4,
                Seeds.derive(seed, 0));
        this.op = register("op", new MultiScanMixer(sc, c.pathways().size(), ScanOrderSet.named(c.pathways()), c.extras()));
        op.applyModelInit(Seeds.derive(seed, 1));
        this.norm2 = new LayerNorm(dim, FractalMambaConfig.NORM_EPS, true, true);
        register("norm2", new Sequential(norm2));
        this.mlp = register("mlp", new Mlp(dim, (int) (c.mlpRatio() * dim), Seeds.derive(seed, 2)));
        this.dropPath = register("drop_path", new DropPath(dropPathRate, Seeds.derive(seed, 3)));
    }

    /** (B, H, W, C) → (B, H, W, C); the norms' outputs only reach products (in_proj, fc1): bf16 under autocast. */
    @Override public Var forward(Var x) {
        x = dropPath.addTo(x, op.forward(norm1.forwardForProducts(x)), null);   // residual + drop path: one pass
        return dropPath.addTo(x, mlp.forwardWithoutOutputBias(norm2.forwardForProducts(x)), mlp.outputBias());
    }
}
