package dev.jmamba.vision.localmamba;

import dev.jmamba.autograd.Var;
import dev.jmamba.curves.ScanOrder;
import dev.jmamba.curves.ScanOrders;
import dev.jmamba.nn.Conv1d;
import dev.jmamba.nn.Init;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.Seeds;
import dev.jmamba.ssm.SelectiveScan;
import dev.jmamba.ssm.block.MambaInit;
import dev.jmamba.ssm.conv.CausalConv1d;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.TokenLayout;
import dev.jmamba.vision.scan2d.CrossMerge;
import dev.jmamba.vision.scan2d.CrossScan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LocalVim's multi-direction Mamba mixer ([LocalMamba], docs/REFERENCES.md; {@code MultiMamba}, spec localmamba.md §2), tokens
 * (B, L, D) on an h×w grid → (B, L, D):
 * <pre>
 *   xz  = in_proj(x)                                  shared, (B, h, w, 2·d_inner)
 *   s_k = cross_scan(xz, order_k)                     x and z serialised together
 *   o_k = BiAttn(MambaCore_k(s_k))                    conv1d_k, x_proj_k, dt_proj_k, A_log_k, D_k; z-gated scan
 *   out = out_proj(Σ_k reverse_k(o_k))                cross_merge puts each back and sums
 * </pre>
 * Directions use LocalMamba's names (h, h_flip, v, v_flip, w2, w2_flip, w7, w7_flip) and the
 * orders of scan-curves ({@link ScanOrders#localMambaCandidates}), regenerated for every grid.
 * Window orders there skip the padding cells instead of scanning zeros (a documented difference
 * from the official padded Triton scan on grids not divisible by the window).
 *
 * <p>Parameter names as the official module: {@code in_proj.weight}, {@code A_log_k},
 * {@code conv1d_k.weight/bias}, {@code x_proj_k.weight}, {@code dt_proj_k.weight/bias},
 * {@code D_k}, {@code out_proj.weight}, {@code attn.*}.
 */
public final class LocalMixer extends Module {
    private final List<String> directions;
    private final int dim, dInner, dState, dtRank;
    private final Linear inProj;
    private final List<Conv1d> convs = new ArrayList<>();
    private final List<Linear> xProjs = new ArrayList<>();
    private final List<Linear> dtProjs = new ArrayList<>();
    private final List<Parameter> aLogs = new ArrayList<>();
    private final List<Parameter> ds = new ArrayList<>();
    private final Linear outProj;
    private final BiAttn attn;

    public LocalMixer(int dim, int dState, int expand, int dConv, List<String> directions, long seed) {
        for (String d : directions) {
            if (!LocalVimConfig.CANDIDATES.contains(d)) {
                throw new JmambaException("LocalMixer: unknown direction '" + d + "', expected one of " + LocalVimConfig.CANDIDATES);
            }
        }
        this.directions = List.copyOf(directions);
        this.dim = dim;
        this.dInner = expand * dim;
        this.dState = dState;
        this.dtRank = Math.ceilDiv(dim, 16);
        this.inProj = register("in_proj", new Linear(dim, 2 * dInner, false, Seeds.derive(seed, 0)));
        for (int k = 0; k < directions.size(); k++) {
            long s = Seeds.derive(seed, 10 + k);
            aLogs.add(param("A_log_" + k, MambaInit.aLogS4dReal(dInner, dState)).noWeightDecay(true));
            convs.add(register("conv1d_" + k, Conv1d.causalDepthwise(dInner, dConv, true, Seeds.derive(s, 0))));
            xProjs.add(register("x_proj_" + k, new Linear(dInner, dtRank + 2 * dState, false, Seeds.derive(s, 1))));
            Linear dt = register("dt_proj_" + k, new Linear(dtRank, dInner, true, Seeds.derive(s, 2)));
            dt.weight().set(MambaInit.dtProjWeight(Seeds.derive(s, 3), dtRank, 1.0, dInner, dtRank));
            dt.bias().set(MambaInit.dtBias(Seeds.derive(s, 4), 0.001, 0.1, 1e-4, dInner));
            dtProjs.add(dt);
            ds.add(param("D_" + k, Tensor.ones(dInner)).noWeightDecay(true));
        }
        this.outProj = register("out_proj", new Linear(dInner, dim, false, Seeds.derive(seed, 1)));
        this.attn = register("attn", new BiAttn(dInner, Seeds.derive(seed, 2)));
    }

    public List<String> directions() { return directions; }

    /**
     * The mixer on channel-major rows: the K directions run as one batch. in_proj (two GEMMs with its weight's
     * halves) gives the (d_inner, B·L) rows x and z; a cross scan of each gives every direction's sequences as
     * (K·d_inner, B·L) rows (direction k at rows k·d_inner ..), read by the short conv and the scan as (B, K·d_inner, L) views without copies; the
     * directions' conv, A, D and dt bias are concatenated along channels, x_proj and dt_proj are batched GEMMs
     * over K, B and C of direction k are group k of the scan; the gate and one cross merge put the K outputs
     * back, and out_proj reads the merged rows transposed. Equal to {@link #forwardReference} (the per-direction
     * formulation of the spec), which the tests compare it with.
     *
     * @param x (B, L, D) tokens of a one-grid layout without class token
     * @return (B, L, D)
     */
    public Var forward(Var x, TokenLayout layout) {
        List<ScanOrder> orders = orders(layout);
        int h = layout.grid().h(), w = layout.grid().w(), b = x.size(0), l = h * w, k = orders.size();
        Var tokensT = x.reshape(b * l, dim).transpose(0, 1);                              // (D, B·L)
        Var[] wIn = inProj.weight().var().split(0, dInner, dInner);                      // (d_inner, D) x 2
        Var xs = directionRows(wIn[0].matmul(tokensT), orders, k, b, h, w);               // (B, K·d_inner, L)
        Var zs = directionRows(wIn[1].matmul(tokensT), orders, k, b, h, w);               // (B, K·d_inner, L)
        Var u = CausalConv1d.apply(xs, cat(convs, c -> c.weight().var()), cat(convs, c -> c.bias().var()), true);
        Var uRows = u.permute(1, 0, 2).reshape(k, dInner, b * l);                         // (K, d_inner, B·L)
        Var[] dbc = stack(xProjs, p -> p.weight().var()).matmul(uRows).split(1, dtRank, dState, dState); // (K, R | N | N, B·L)
        Var delta = stack(dtProjs, p -> p.weight().var()).matmul(dbc[0]);                // (K, d_inner, B·L)
        Var bs = dbc[1].reshape(k, dState, b, l).permute(2, 0, 1, 3);                     // (B, K, N, L)
        Var cs = dbc[2].reshape(k, dState, b, l).permute(2, 0, 1, 3);                     // (B, K, N, L)
        Var a = Var.cat(0, aLogs.stream().map(Parameter::var).toArray(Var[]::new)).exp().neg();      // (K·d_inner, N)
        Var y = SelectiveScan.scan(u, delta.reshape(k * dInner, b, l).permute(1, 0, 2), a, bs, cs,
                cat(ds, Parameter::var), zs, cat(dtProjs, p -> p.bias().var()), true);          // (B, K·d_inner, L)
        Var gated = attn.forwardRows(y.permute(1, 0, 2).reshape(k, dInner, b, l));        // (K, d_inner, B, L)
        Var merged = CrossMerge.apply(gated.reshape(1, k, dInner * b, l), orders, h, w);  // (1, d_inner·B, h, w)
        Var out = merged.reshape(dInner, b * l).transpose(0, 1).matmul(outProj.weight().var().transpose(0, 1));
        return out.reshape(b, l, dim);                                                    // (B, L, D)
    }

    /**
     * (d_inner, B·L) rows in row-major token order → every direction's sequences as (B, K·d_inner, L), a view of
     * the (K·d_inner, B·L) rows one cross scan writes (the rows viewed as a (1, d_inner·B, h, w) map). x and z
     * each get their own GEMM and scan, so their gradients need no scatter into a shared (2·d_inner) tensor.
     */
    private Var directionRows(Var rows, List<ScanOrder> orders, int k, int b, int h, int w) {
        Var seq = CrossScan.apply(rows.reshape(1, dInner * b, h, w), orders);            // (1, K, d_inner·B, L)
        return seq.reshape(k * dInner, b, h * w).permute(1, 0, 2);
    }

    private static <T> Var cat(List<T> items, java.util.function.Function<T, Var> part) {
        return Var.cat(0, items.stream().map(part).toArray(Var[]::new));
    }

    private static <T> Var stack(List<T> items, java.util.function.Function<T, Var> part) {
        return Var.stack(0, items.stream().map(part).toArray(Var[]::new));
    }

    private List<ScanOrder> orders(TokenLayout layout) {
        if (layout.hasCls() || layout.grids().size() != 1) {
            throw new JmambaException("LocalMixer: expected one token grid without class token, got " + layout);
        }
        Map<String, ScanOrder> all = ScanOrders.localMambaCandidates(layout.grid().h(), layout.grid().w());
        return directions.stream().map(all::get).toList();
    }

    /**
     * The per-direction formulation of the spec (kept as the readable reference the tests compare
     * {@link #forward} with): cross scan of in_proj's channels-last output, then per direction its own
     * conv, projections, scan and gate, then one cross merge.
     *
     * @param x (B, L, D)
     * @return (B, L, D)
     */
    Var forwardReference(Var x, TokenLayout layout) {
        List<ScanOrder> orders = orders(layout);
        int h = layout.grid().h(), w = layout.grid().w(), b = x.size(0), l = h * w;
        Var xz = inProj.forward(x).reshape(b, h, w, 2 * dInner);              // (B, h, w, 2·d_inner)
        Var seqs = CrossScan.applyChannelsLast(xz, orders);                   // (B, K, 2·d_inner, L)
        Var[] outs = new Var[orders.size()];
        for (int k = 0; k < orders.size(); k++) {
            Var s = seqs.select(1, k);                                        // (B, 2·d_inner, L)
            Var[] parts = s.split(1, dInner, dInner);
            Var y = core(k, parts[0], parts[1]);                              // (B, d_inner, L) in scan order
            outs[k] = attn.forward(y.transpose(1, 2)).transpose(1, 2);        // gate is order-independent
        }
        Var merged = CrossMerge.applyChannelsLast(Var.stack(1, outs), orders, h, w); // (B, h, w, d_inner)
        return outProj.forward(merged.reshape(b, l, dInner));                 // (B, L, D)
    }

    /** conv1d → SiLU → x_proj → dt/B/C → z-gated selective scan of direction k; (B, d_inner, L) each. */
    private Var core(int k, Var xs, Var z) {
        Conv1d conv = convs.get(k);                                            // causal depthwise: the fused kernel with SiLU
        Var u = CausalConv1d.apply(xs, conv.weight().var(), conv.bias() == null ? null : conv.bias().var(), true); // (B, d_inner, L)
        Var[] dbc = xProjs.get(k).forward(u.transpose(1, 2)).split(2, dtRank, dState, dState); // (B, L, R|N|N)
        Linear dt = dtProjs.get(k);
        Var delta = dbc[0].matmul(dt.weight().var().transpose(0, 1));          // (B, L, d_inner)
        Var a = aLogs.get(k).var().exp().neg();                                // (d_inner, N)
        return SelectiveScan.scan(u, delta.transpose(1, 2), a, dbc[1].transpose(1, 2), dbc[2].transpose(1, 2),
                ds.get(k).var(), z, dt.bias().var(), true);
    }

    /**
     * LocalVim's {@code _init_weights(n_layer)}: Linear biases zeroed except the dt_proj ones
     * (flagged no-reinit), out_proj.weight redrawn U(±1/sqrt(d_inner)) / sqrt(nLayer).
     */
    public void applyModelInit(int nLayer, long seed) {
        attn.zeroBiases();
        outProj.weight().set(Init.kaimingUniform(seed, Math.sqrt(5), dim, dInner).div(Math.sqrt(nLayer)));
    }
}
