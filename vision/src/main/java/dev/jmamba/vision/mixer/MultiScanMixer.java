package dev.jmamba.vision.mixer;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.curves.ScanOrder;
import dev.jmamba.curves.ScanOrders;
import dev.jmamba.nn.Conv2d;
import dev.jmamba.nn.Init;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.LayerNorm;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.Seeds;
import dev.jmamba.ssm.HiddenNormScan;
import dev.jmamba.ssm.ScanPaths;
import dev.jmamba.ssm.SelectiveScan;
import dev.jmamba.ssm.block.MambaInit;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.scan2d.CrossMerge;
import dev.jmamba.vision.scan2d.CrossScan;

import java.util.Arrays;
import java.util.List;

/**
 * VMamba's SS2D ([VMamba], docs/REFERENCES.md; "v05_noz", spec vmamba.md §2) over any K scan orders, channels-last
 * (B, H, W, C) → (B, H, W, C):
 * <pre>
 *   t  = SiLU(dwconv2d(in_proj(x)))                         (B, d_inner, H, W), bf16 under autocast in training
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
 *
 * <p>{@link Extras} adds the two parts GrootV's {@code Tree_SSM} has on top of this (spec
 * fractalmamba.md §2 step 6, both off by default):
 * <pre>
 *   zGate:      x, z = chunk(in_proj(x))  (in_proj C → 2·d_inner);  out = out_proj(out_norm(merged) · SiLU(z))
 *   hiddenNorm: (d_state 1 only) h = scan with C = 1 and no D;  y = h_norm(h) · C + Ds · xs   per direction,
 *               h_norm a LayerNorm over d_inner shared by the K directions ({@code h_norm.weight/bias})
 * </pre>
 */
public class MultiScanMixer extends Layer {
    private final SS2DConfig config;
    private final int directions;
    private final ScanOrderSet orderSet;
    private final Linear inProj;
    private final Conv2d conv2d;
    private final Parameter xProjWeight, dtProjsWeight, dtProjsBias, aLogs, ds;
    private final LayerNorm outNorm;
    private final LayerNorm hNorm;   // null unless extras.hiddenNorm
    private final Linear outProj;
    private final Extras extras;
    private boolean alongPaths = Boolean.getBoolean("jmamba.scan2d.alongPaths");   // see outputAlongPaths

    /**
     * Optional GrootV parts (see the class comment).
     *
     * @param zGate      in_proj also produces a gate z; the merged output is multiplied by SiLU(z) after out_norm
     * @param hiddenNorm LayerNorm of the scan's hidden state before it is read out with C (needs d_state 1)
     */
    public record Extras(boolean zGate, boolean hiddenNorm) {
        /** Plain SS2D v05_noz. */
        public static final Extras NONE = new Extras(false, false);
        /** GrootV Tree_SSM's z gate and h_norm. */
        public static final Extras GROOTV = new Extras(true, true);
    }

    /** Builds the mixer with VMamba's initialisation (mamba_init for the SSM parameters, PyTorch defaults elsewhere). */
    public MultiScanMixer(SS2DConfig config, int directions, ScanOrderSet orderSet) {
        this(config, directions, orderSet, Extras.NONE);
    }

    /** As {@link #MultiScanMixer(SS2DConfig, int, ScanOrderSet)} with the optional GrootV parts {@code extras}. */
    public MultiScanMixer(SS2DConfig config, int directions, ScanOrderSet orderSet, Extras extras) {
        if (directions < 1 || orderSet == null || extras == null) {
            throw new JmambaException("MultiScanMixer: need at least one direction, an order set and extras, got "
                    + directions + ", " + orderSet + ", " + extras);
        }
        if (extras.hiddenNorm() && config.dState() != 1) {
            throw new JmambaException("MultiScanMixer: the hidden-state norm needs d_state 1 (C is then one scalar per token), got d_state "
                    + config.dState());
        }
        this.config = config;
        this.directions = directions;
        this.orderSet = orderSet;
        this.extras = extras;
        int c = config.dModel(), di = config.dInner(), n = config.dState(), r = config.dtRank(), k = directions;
        long seed = config.seed();
        this.inProj = register("in_proj", new Linear(c, extras.zGate() ? 2 * di : di, false, Seeds.derive(seed, 0)));
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
        this.hNorm = extras.hiddenNorm() ? register("h_norm", new LayerNorm(di)) : null;
        this.outProj = register("out_proj", new Linear(di, c, false, Seeds.derive(seed, 5)));
    }

    /** (B, H, W, C) → (B, H, W, C); x only reaches in_proj's products (it may be bf16 under autocast). */
    @Override public Var forward(Var x) {
        if (x == null || x.rank() != 4 || x.size(3) != config.dModel()) {
            throw new JmambaException(getClass().getSimpleName() + ": input must have shape (B, H, W, " + config.dModel()
                    + "), got " + (x == null ? "null" : Arrays.toString(x.shape())));
        }
        int b = x.size(0), h = x.size(1), w = x.size(2), l = h * w;
        int di = config.dInner(), n = config.dState(), r = config.dtRank(), k = directions;
        List<ScanOrder> orders = orderSet.orders(h, w);
        if (orders.size() != k) {
            throw new IllegalStateException(getClass().getSimpleName() + ": the order set gave " + orders.size()
                    + " orders for " + h + "x" + w + ", expected " + k);
        }
        // in_proj's conv half straight into channels-first rows, one batched GEMM W (d_inner, C) @ x_bᵀ (C, L): the
        // depthwise conv then reads (and its weight gradient re-reads) them without a permute copy; the gate half
        // (GrootV's z) stays channels-last for the gated out_norm
        // under autocast the scan path keeps its activations in bf16 (Autocast: BF16_IO): in_proj writes bf16 rows, the
        // conv reads and saves them as bf16 and writes bf16, the cross scan copies bf16, x_proj multiplies it without a
        // cast, and the scan reads it and keeps that one copy for backward. Only when a backward will follow: the point
        // is the memory kept for it, and without one the float32 path is faster (VMamba-T bf16 inference, b128 on the
        // H200: 2952 img/s float32 vs 2852 bf16 activations, one call)
        DType act = Autograd.backwardFollows() ? Autocast.activationType(x.value()) : null;
        Var wIn = inProj.weight().var();                                      // (d_inner or 2·d_inner, C)
        Var xT = x.reshape(b, l, config.dModel()).transpose(1, 2);            // (B, C, L)
        Var wConvHalf = wIn.narrow(0, 0, di).unsqueeze(0);                    // (1, d_inner, C)
        Var t = (act != null ? wConvHalf.matmulToActivation(xT) : wConvHalf.matmul(xT)).reshape(b, di, h, w); // (B, d_inner, H, W)
        Var wGate = extras.zGate() ? wIn.narrow(0, di, di).transpose(0, 1) : null;  // (C, d_inner)
        // (B, H, W, d_inner), pre-SiLU; bf16 under autocast with a backward to follow: only the gated out_norm reads it
        Var zPre = wGate == null ? null : act != null ? x.matmulToActivation(wGate) : x.matmul(wGate);
        t = conv2d.forwardSilu(t);                                            // (B, d_inner, H, W), conv + bias + SiLU fused
        if (act != null) t = t.to(act);                                       // (already bf16 from the fused conv)
        if (alongPaths) return outputAlongPaths(t, orders, zPre, act);
        Var xs = CrossScan.apply(t, orders);                                  // (B, K, d_inner, L)
        Var xDbl = xProjWeight.var().unsqueeze(0).matmul(xs);                 // (B, K, R + 2N, L)
        Var[] parts = xDbl.split(2, r, n, n);                                 // (B, K, R | N | N, L)
        Var delta = stepSizes(parts[0], act);                                 // (B, K, d_inner, L)
        Var a = aLogs.var().exp().neg();                                      // (K·d_inner, N)
        Var y = hNorm == null
                ? SelectiveScan.scan(xs.reshape(b, k * di, l), delta.reshape(b, k * di, l), a, parts[1], parts[2],
                        ds.var(), null, dtProjsBias.var().reshape(k * di), true).reshape(b, k, di, l)
                : normalisedHiddenReadout(xs, delta, a, parts[1], parts[2]); // (B, K, d_inner, L)
        if (zPre == null) {
            Var merged = CrossMerge.applyChannelsLast(y, orders, h, w);      // (B, H, W, d_inner)
            return outProj.forward(outNorm.forwardForProducts(merged));      // (B, H, W, C); bf16 rows under autocast
        }
        // out_norm · SiLU(z) as one fused node: saves merged, z and the row statistics, not the normalised rows or SiLU(z);
        // under autocast (bf16 y and z) the merge writes bf16 and the norm reads bf16 and writes bf16 for out_proj
        Var merged = act != null ? CrossMerge.applyChannelsLastBf16(y, orders, h, w)
                                 : CrossMerge.applyChannelsLast(y, orders, h, w);   // (B, H, W, d_inner)
        return outProj.forward(outNorm.forwardGated(merged, zPre));         // (B, H, W, C)
    }

    /**
     * The rest of {@link #forward} with no cross-scan copies (issue 14; {@code -Djmamba.scan2d.alongPaths=true}): the K
     * orders become the paths of one grouped {@link SelectiveScan#scanAlong} that reads the one map t in grid order
     * (u shared by the K groups), so x_proj is one GEMM over t for all K directions (its input gradient summed over K
     * inside the GEMM), Δ, B, C and y stay in grid order, and the merge is a plain sum over K (CrossMerge with the
     * identity order, which also writes channels-last). With the hidden-state norm, y_k = h_norm(h_k)·C_k + D_k·t, so
     * the merged map is Σ_k h_norm(h_k)·C_k + (Σ_k D_k)·t: the norm runs without its skip and the D term is added to the
     * merged map once.
     *
     * @param t    (B, d_inner, H, W) the map, after conv and SiLU
     * @param zPre (B, H, W, d_inner) the gate before SiLU, or null
     * @return (B, H, W, C)
     */
    private Var outputAlongPaths(Var t, List<ScanOrder> orders, Var zPre, DType act) {
        int b = t.size(0), h = t.size(2), w = t.size(3), l = h * w;
        int di = config.dInner(), n = config.dState(), r = config.dtRank(), k = directions;
        List<int[]> perms = new java.util.ArrayList<>(k);
        for (ScanOrder o : orders) perms.add(o.perm());
        ScanPaths paths = ScanPaths.of(perms, true);
        Var tRows = t.reshape(b, di, l);                                                      // (B, d_inner, L), grid order
        Var xDbl = xProjWeight.var().reshape(1, k * (r + 2 * n), di).matmul(tRows).reshape(b, k, r + 2 * n, l);
        Var[] parts = xDbl.split(2, r, n, n);                                                 // (B, K, R | N | N, L)
        Var delta = stepSizes(parts[0], act);                                                 // (B, K, d_inner, L)
        Var a = aLogs.var().exp().neg();                                                      // (K·d_inner, N)
        List<ScanOrder> identity = java.util.Collections.nCopies(k, ScanOrders.of("raster", h, w));
        Var merged;
        if (hNorm == null) {
            Var y = SelectiveScan.scanAlong(paths, tRows, delta.reshape(b, k * di, l), a, parts[1], parts[2], ds.var(), null,
                    dtProjsBias.var().reshape(k * di), true).reshape(b, k, di, l);
            merged = zPre != null && act != null ? CrossMerge.applyChannelsLastBf16(y, identity, h, w)
                                                 : CrossMerge.applyChannelsLast(y, identity, h, w);   // (B, H, W, d_inner)
        } else {
            Var ones = onesLike(parts[2]);
            Var hidden = SelectiveScan.scanAlong(paths, tRows, delta.reshape(b, k * di, l), a, parts[1], ones, null, null,
                    dtProjsBias.var().reshape(k * di), true);                                 // (B, K·d_inner, L)
            Var y = hNorm.forwardChannels(hidden.reshape(b * k, di, l), parts[2].reshape(b * k, l)).reshape(b, k, di, l);
            Var dSum = ds.var().reshape(k, di).sum(false, 0).reshape(1, di, 1);              // Σ_k D_k
            Var skip = tRows.mul(dSum).transpose(1, 2).reshape(b, h, w, di);                 // (B, H, W, d_inner) view
            merged = CrossMerge.applyChannelsLast(y, identity, h, w).add(skip);
            if (act != null && zPre != null) merged = merged.to(act);
        }
        if (zPre == null) return outProj.forward(outNorm.forwardForProducts(merged));
        return outProj.forward(outNorm.forwardGated(merged, zPre));
    }

    /**
     * Δ before bias and softplus, per direction dt_projs_weight[k] @ dt_k: (B, K, R, L) → (B, K, d_inner, L); bf16 when
     * {@code act} is (the scan reads Δ as bf16: the product rounded once, no float32 Δ and cast).
     */
    private Var stepSizes(Var dts, DType act) {
        Var w = dtProjsWeight.var().unsqueeze(0);                              // (1, K, d_inner, R)
        return act != null ? w.matmulToActivation(dts) : w.matmul(dts);
    }

    /** Ones shaped and typed like {@code cs}: the C of the hidden-state scan (the scan then returns h itself). */
    private static Var onesLike(Var cs) {
        return Var.of(Tensor.full(1, cs.dtype(), cs.device(), cs.shape()));
    }

    private static Var param(Parameter p) { return p == null ? null : p.var(); }

    /** Whether this mixer scans the K orders as paths through one map ({@link #outputAlongPaths}); tests set it. */
    void alongPaths(boolean on) { alongPaths = on; }

    /**
     * GrootV's read-out with d_state 1: the scan with C = 1 and no D returns the hidden state h itself;
     * y = h_norm(h) · C + Ds · xs.
     *
     * @param xs    (B, K, d_inner, L) scanned inputs
     * @param delta (B, K, d_inner, L) step sizes before bias and softplus
     * @param a     (K·d_inner, 1) A
     * @param bs    (B, K, 1, L) B
     * @param cs    (B, K, 1, L) C
     * @return (B, K, d_inner, L)
     */
    private Var normalisedHiddenReadout(Var xs, Var delta, Var a, Var bs, Var cs) {
        int b = xs.size(0), k = xs.size(1), di = xs.size(2), l = xs.size(3);
        // the scan with C = 1 and no D, then h_norm over d_inner of each (direction, token) column times C plus Ds · xs
        // as one channels-first node (ChannelLayerNorm); on CUDA (float32) one kernel pair by default
        return HiddenNormScan.apply(xs.reshape(b, k * di, l), delta.reshape(b, k * di, l), a, bs, cs, ds.var(),
                dtProjsBias.var().reshape(k * di), param(hNorm.weight()), param(hNorm.bias()), hNorm.eps()).reshape(b, k, di, l);
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

    /** The optional GrootV parts this mixer has. */
    public Extras extras() { return extras; }

    /** K, the number of scan orders. */
    public int directions() { return directions; }
}
