package dev.jmamba.vision.vmamba;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.DropPath;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.LayerNorm;
import dev.jmamba.nn.Seeds;
import dev.jmamba.vision.Mlp;
import dev.jmamba.vision.mixer.SS2D;
import dev.jmamba.vision.mixer.SS2DConfig;

/**
 * VMamba's VSS block (spec vmamba.md §3), channels-last (B, H, W, C):
 * x = x + DropPath(SS2D(norm(x))); x = x + DropPath(mlp(norm2(x))).
 * Names {@code norm}, {@code op} (ssm's SS2D), {@code norm2}, {@code mlp.fc1/fc2}.
 */
final class VssBlock extends Layer {
    private final LayerNorm norm;
    private final SS2D op;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final DropPath dropPath;

    VssBlock(int dim, VMambaConfig c, double dropPathRate, long seed) {
        this.norm = register("norm", new LayerNorm(dim, VMambaConfig.NORM_EPS, true, true));
        SS2DConfig sc = new SS2DConfig(dim, c.dState(), c.ssmRatio(), Math.ceilDiv(dim, 16), c.dConv(), false,
                0.001, 0.1, 1e-4, Seeds.derive(seed, 0));
        this.op = register("op", new SS2D(sc));
        op.applyModelInit(Seeds.derive(seed, 1));
        this.norm2 = register("norm2", new LayerNorm(dim, VMambaConfig.NORM_EPS, true, true));
        this.mlp = register("mlp", new Mlp(dim, (int) (c.mlpRatio() * dim), Seeds.derive(seed, 2)));
        this.dropPath = register("drop_path", new DropPath(dropPathRate, Seeds.derive(seed, 3)));
    }

    /** (B, H, W, C) → (B, H, W, C); the norms' outputs only reach products (in_proj, fc1): bf16 under autocast. */
    @Override public Var forward(Var x) {
        x = dropPath.addTo(x, op.forward(norm.forwardForProducts(x)), null);   // residual + drop path: one pass
        return dropPath.addTo(x, mlp.forwardWithoutOutputBias(norm2.forwardForProducts(x)), mlp.outputBias());
    }
}
