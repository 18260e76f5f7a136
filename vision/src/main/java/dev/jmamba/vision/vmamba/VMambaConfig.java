package dev.jmamba.vision.vmamba;

import dev.jmamba.tensor.JmambaException;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.BackboneConfig;
import dev.jmamba.vision.CostCounter;
import dev.jmamba.vision.CostReport;
import dev.jmamba.vision.ModelSpec;

/**
 * VMamba "v2" backbones (spec vmamba.md §3–4): patch embed v2 (two 3×3 stride-2 convs), four stages
 * of VSS blocks (SS2D v05_noz + MLP), downsample v3 (3×3 stride-2 conv + norm), classifier
 * norm → global average pool → Linear.
 *
 * @param dims     channels per stage
 * @param depths   blocks per stage
 * @param dState   N
 * @param ssmRatio d_inner = ssmRatio · C
 * @param dConv    depthwise conv kernel in SS2D (3, no bias)
 * @param mlpRatio MLP hidden = mlpRatio · C
 * @param dropPath stochastic-depth rate (linear over all blocks)
 */
public record VMambaConfig(String name, int[] dims, int[] depths, int dState, double ssmRatio, int dConv,
                           double mlpRatio, double dropPath) implements BackboneConfig {

    /** LayerNorm epsilon (VMamba's LayerNorm2d is nn.LayerNorm with its default 1e-5). */
    static final double NORM_EPS = 1e-5;

    public VMambaConfig {
        dims = dims.clone();
        depths = depths.clone();
        if (dims.length != depths.length || dims.length < 1) {
            throw new JmambaException(name + ": dims and depths must have the same positive length, got "
                    + dims.length + " and " + depths.length);
        }
    }

    @Override public int[] dims() { return dims.clone(); }

    @Override public int[] depths() { return depths.clone(); }

    /** VMamba-T [s1l8] (vmambav2v_tiny_224): 30,249,064 parameters with a 1000-class head. */
    public static VMambaConfig tiny() {
        return new VMambaConfig("vmamba-tiny", new int[] {96, 192, 384, 768}, new int[] {2, 2, 8, 2}, 1, 1.0, 3, 4.0, 0.2);
    }

    /**
     * A small VMamba for 28×28 / 32×32 inputs on a CPU: three stages (7×7, 4×4, 2×2 at 28), so the
     * last stage still scans more than one token.
     */
    public static VMambaConfig nano() {
        return new VMambaConfig("vmamba-nano", new int[] {32, 64, 128}, new int[] {1, 2, 1}, 1, 1.0, 3, 2.0, 0.0);
    }

    @Override public VMambaConfig withDropPath(double rate) { return new VMambaConfig(name, dims, depths, dState, ssmRatio, dConv, mlpRatio, rate); }

    @Override public Backbone build(ModelSpec spec) { return new VMamba(this, spec); }

    @Override public CostReport cost(ModelSpec spec) {
        CostCounter c = new CostCounter();
        int res = spec.resolution(), c0 = dims[0];
        int h1 = VMamba.convOut(res), h = VMamba.convOut(h1);
        c.part("patch_embed").conv2d(spec.inChannels(), c0 / 2, 3, 1, true, h1, h1).norm(c0 / 2, 2, (long) h1 * h1 * (c0 / 2))
                .conv2d(c0 / 2, c0, 3, 1, true, h, h).norm(c0, 2, (long) h * h * c0);
        for (int s = 0; s < dims.length; s++) {
            int dim = dims[s], di = (int) (ssmRatio * dim), r = Math.ceilDiv(dim, 16), hidden = (int) (mlpRatio * dim);
            long l = (long) h * h;
            c.part("stage " + s + " (" + h + "x" + h + ", " + depths[s] + " blocks)");
            for (int b = 0; b < depths[s]; b++) {
                c.norm(dim, 2, l * dim).linear(l, dim, di, false).conv2d(di, di, dConv, di, false, h, h);
                c.linear(4 * l, di, r + 2 * dState, false);            // x_proj_weight: K × (R+2N, d_inner)
                c.params(3L * (r + 2 * dState) * di);                                // the other three slices' parameters
                c.linear(4 * l, r, di, false).params(3L * r * di + 4L * di);         // dt_projs_weight, dt_projs_bias
                c.params(4L * di * dState + 4L * di).scan(4 * di, l, dState, true, false);
                c.norm(di, 2, l * di).linear(l, di, dim, false);
                c.norm(dim, 2, l * dim).linear(l, dim, hidden, true).linear(l, hidden, dim, true);
            }
            if (s < dims.length - 1) {
                int hn = VMamba.convOut(h);
                c.conv2d(dim, 2 * dim, 3, 1, true, hn, hn).norm(2 * dim, 2, (long) hn * hn * 2 * dim);
                h = hn;
            }
        }
        int last = dims[dims.length - 1];
        c.part("classifier").norm(last, 2, (long) h * h * last).pool((long) h * h * last).linear(1, last, spec.numClasses(), true);
        return c.report(name, res);
    }

    @Override public boolean equals(Object o) {
        return o instanceof VMambaConfig v && name.equals(v.name) && java.util.Arrays.equals(dims, v.dims)
                && java.util.Arrays.equals(depths, v.depths) && dState == v.dState && ssmRatio == v.ssmRatio
                && dConv == v.dConv && mlpRatio == v.mlpRatio && dropPath == v.dropPath;
    }

    @Override public int hashCode() { return name.hashCode(); }

    @Override public String toString() {
        return "VMambaConfig[" + name + ", dims " + java.util.Arrays.toString(dims) + ", depths " + java.util.Arrays.toString(depths)
                + ", d_state " + dState + ", ssm_ratio " + ssmRatio + ", mlp_ratio " + mlpRatio + "]";
    }
}
