package dev.jmamba.ssm.block;

import dev.jmamba.autograd.Var;
import dev.jmamba.curves.ScanOrder;
import dev.jmamba.nn.Conv2d;
import dev.jmamba.nn.Init;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.LayerNorm;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.Seeds;
import dev.jmamba.ssm.SelectiveScan;
import dev.jmamba.ssm.scan2d.CrossMerge;
import dev.jmamba.ssm.scan2d.CrossScan;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * VMamba's SS2D ("v05_noz", spec vmamba.md §2) over any K scan orders, channels-last
 * (B, H, W, C) → (B, H, W, C):
 * <pre>
 *   t  = SiLU(dwconv2d(in_proj(x)))                         (B, d_inner, H, W)
 *   xs = cross_scan(t, orders)                               (B, K, d_inner, L)
 *   dt_k, B_k, C_k = split(x_proj_weight[k] @ xs_k)          (B, K, R|N|N, L)
 *   y  = scan(u = xs, delta = dt_projs_weight[k] @ dt_k, A = −exp(A_logs), B, C grouped by k,
 *             D = Ds, delta_bias = dt_projs_bias, softplus)  one call, G = K, (B, K·d_inner, L)
 *   out = out_proj(out_norm(cross_merge(y)))                 (B, H, W, C)
 * </pre>
 * Parameter names as in VMamba: {@code in_proj.weight}, {@code conv2d.weight} (+ {@code .bias}),
 * {@code x_proj_weight} (K, R+2N, d_inner), {@code dt_projs_weight} (K, d_inner, R),
 * {@code dt_projs_bias} (K, d_inner), {@code A_logs} (K·d_inner, N), {@code Ds} (K·d_inner),
 * {@code out_norm.weight/bias}, {@code out_proj.weight}. {@link SS2D} is this with VMamba's four directions.
 */
public class MultiScanMixer extends Layer {
    private final SS2DConfig config;
    private final int directions;
    private final ScanOrderSet orderSet;
    private final Linear inProj;
    private final Conv2d conv2d;
    private final Parameter xProjWeight, dtProjsWeight, dtProjsBias, aLogs, ds;
    private final LayerNorm outNorm;
    private final Linear outProj;

    /** Builds the mixer with VMamba's initialisation (mamba_init for the SSM parameters, PyTorch defaults elsewhere). */
    public MultiScanMixer(SS2DConfig config, int directions, ScanOrderSet orderSet) {
        if (directions < 1 || orderSet == null) {
            throw new IllegalArgumentException("MultiScanMixer: need at least one direction and an order set, got " + directions);
        }
        this.config = config;
        this.directions = directions;
        this.orderSet = orderSet;
        int c = config.dModel(), di = config.dInner(), n = config.dState(), r = config.dtRank(), k = directions;
        long seed = config.seed();
        this.inProj = register("in_proj", new Linear(c, di, false, Seeds.derive(seed, 0)));
        this.conv2d = register("conv2d", new Conv2d(di, di, config.dConv(), 1, (config.dConv() - 1) / 2, 1, di,
                config.convBias(), Seeds.derive(seed, 1)));
        double xBound = 1 / Math.sqrt(di);                                     // nn.Linear default per slice
        this.xProjWeight = param("x_proj_weight", Init.uniform(Seeds.derive(seed, 2), -xBound, xBound, k, r + 2 * n, di));
        this.dtProjsWeight = param("dt_projs_weight", MambaInit.dtProjWeight(Seeds.derive(seed, 3), r, 1.0, k, di, r));
        this.dtProjsBias = param("dt_projs_bias",
                MambaInit.dtBias(Seeds.derive(seed, 4), config.dtMin(), config.dtMax(), config.dtInitFloor(), k, di));
        this.aLogs = param("A_logs", MambaInit.aLogS4dReal(k * di, n)).noWeightDecay(true);
        this.ds = param("Ds", Tensor.ones(k * di)).noWeightDecay(true);
        this.outNorm = register("out_norm", new LayerNorm(di));
        this.outProj = register("out_proj", new Linear(di, c, false, Seeds.derive(seed, 5)));
    }

    /** (B, H, W, C) → (B, H, W, C). */
    @Override public Var forward(Var x) {
        if (x == null || x.rank() != 4 || x.size(3) != config.dModel()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": input must have shape (B, H, W, " + config.dModel()
                    + "), got " + (x == null ? "null" : Arrays.toString(x.shape())));
        }
        int b = x.size(0), h = x.size(1), w = x.size(2), l = h * w;
        int di = config.dInner(), n = config.dState(), r = config.dtRank(), k = directions;
        List<ScanOrder> orders = orderSet.orders(h, w);
        if (orders.size() != k) {
            throw new IllegalStateException(getClass().getSimpleName() + ": the order set gave " + orders.size()
                    + " orders for " + h + "x" + w + ", expected " + k);
        }
        Var t = inProj.forward(x).permute(0, 3, 1, 2);                        // (B, d_inner, H, W)
        t = conv2d.forward(t).silu();
        Var xs = CrossScan.apply(t, orders);                                  // (B, K, d_inner, L)
        Var xDbl = xProjWeight.var().unsqueeze(0).matmul(xs);                 // (B, K, R + 2N, L)
        Var[] parts = xDbl.split(2, r, n, n);                                 // (B, K, R | N | N, L)
        Var delta = dtProjsWeight.var().unsqueeze(0).matmul(parts[0]);        // (B, K, d_inner, L)
        Var a = aLogs.var().exp().neg();                                      // (K·d_inner, N)
        Var y = SelectiveScan.scan(xs.reshape(b, k * di, l), delta.reshape(b, k * di, l), a, parts[1], parts[2],
                ds.var(), null, dtProjsBias.var().reshape(k * di), true);     // (B, K·d_inner, L)
        Var merged = CrossMerge.applyChannelsLast(y.reshape(b, k, di, l), orders, h, w); // (B, H, W, d_inner)
        return outProj.forward(outNorm.forward(merged));                      // (B, H, W, C)
    }

    /**
     * VMamba's model-level init ({@code VSSM._init_weights}) for this mixer: in_proj and out_proj
     * weights ← trunc-normal(std 0.02) (they have no bias); the raw SSM parameters, the conv and
     * the LayerNorm are left as built.
     */
    public void applyModelInit(long seed) {
        inProj.weight().set(Init.truncNormal(Seeds.derive(seed, 0), 0.02, inProj.weight().shape()));
        outProj.weight().set(Init.truncNormal(Seeds.derive(seed, 1), 0.02, outProj.weight().shape()));
    }

    public SS2DConfig config() { return config; }

    /** K, the number of scan orders. */
    public int directions() { return directions; }
}
