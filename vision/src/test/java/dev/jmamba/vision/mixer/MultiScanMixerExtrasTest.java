package dev.jmamba.vision.mixer;

import static dev.jmamba.ssm.testing.BlockTestSupport.randomF64;
import static dev.jmamba.ssm.testing.BlockTestSupport.shapes;
import static dev.jmamba.ssm.testing.BlockTestSupport.softplus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.curves.ScanOrder;
import dev.jmamba.curves.ScanOrders;
import dev.jmamba.nn.Layer;
import dev.jmamba.ssm.testing.BlockTestSupport;
import dev.jmamba.ssm.testing.ModuleGradCheck;
import dev.jmamba.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link MultiScanMixer.Extras}: GrootV's z gate and hidden-state norm, against a plain-loop float64 reference. */
class MultiScanMixerExtrasTest {

    private static final List<String> ORDERS = List.of("hilbert", "hilbert-t");

    private static MultiScanMixer mixer(MultiScanMixer.Extras extras, int c, long seed) {
        return new MultiScanMixer(new SS2DConfig(c, 1, 2.0, Math.ceilDiv(c, 16), 3, false, 0.001, 0.1, 1e-4, seed), 2, ScanOrderSet.named(ORDERS), extras);
    }

    @Test void namesShapesAndCountWithBothExtras() {
        // GrootV Tree_SSM for C = 80 (spec fractalmamba.md §3): d_inner 160, R 5, N 1; here K = 2:
        //   in_proj 80·320 = 25,600; conv2d 160·9 = 1,440; x_proj 2·7·160 = 2,240; dt_projs 2·160·5 = 1,600
        //   + bias 320; A_logs 320; Ds 320; out_norm 320; h_norm 320; out_proj 160·80 = 12,800 → 45,280
        MultiScanMixer m = mixer(MultiScanMixer.Extras.GROOTV, 80, 1);
        BlockTestSupport.assertKeysAndShapes(m, shapes(
                "in_proj.weight", new int[] {320, 80}, "conv2d.weight", new int[] {160, 1, 3, 3},
                "x_proj_weight", new int[] {2, 7, 160}, "dt_projs_weight", new int[] {2, 160, 5}, "dt_projs_bias", new int[] {2, 160},
                "A_logs", new int[] {320, 1}, "Ds", new int[] {320},
                "out_norm.weight", new int[] {160}, "out_norm.bias", new int[] {160},
                "h_norm.weight", new int[] {160}, "h_norm.bias", new int[] {160}, "out_proj.weight", new int[] {80, 160}));
        assertEquals(45_280, m.numParameters());
        // without extras: in_proj halves, no h_norm (SS2D v05_noz)
        assertEquals(45_280 - 12_800 - 320, mixer(MultiScanMixer.Extras.NONE, 80, 1).numParameters());
    }

    @Test void hiddenNormNeedsDState1() {
        var e = assertThrows(IllegalArgumentException.class, () -> new MultiScanMixer(
                SS2DConfig.vmambaTinyS1l8(8, 1).withDState(2), 2, ScanOrderSet.named(ORDERS), MultiScanMixer.Extras.GROOTV));
        assertTrue(e.getMessage().contains("d_state 1") && e.getMessage().contains("got d_state 2"), e.getMessage());
    }

    @Test void gradcheckWithBothExtras() {
        MultiScanMixer m = mixer(MultiScanMixer.Extras.GROOTV, 4, 7);
        BlockTestSupport.f64(m);
        ModuleGradCheck.check(m, m::forward, randomF64(8, 1, 3, 3, 4));
    }

    @Test void gateOnlyAndBothExtrasMatchPlainLoops() {
        for (MultiScanMixer.Extras extras : List.of(new MultiScanMixer.Extras(true, false), MultiScanMixer.Extras.GROOTV)) {
            MultiScanMixer m = mixer(extras, 6, 3);
            BlockTestSupport.f64(m);
            int b = 2, h = 3, w = 4;
            Tensor x = randomF64(9, b, h, w, 6);
            Tensor expected = reference(m, x, h, w);
            Tensor actual = m.forward(Var.of(x)).value();
            // float64 throughout; both sides do the same arithmetic in a different order
            assertTrue(expected.maxAbsDiff(actual) < 1e-12, extras + ": max diff " + expected.maxAbsDiff(actual));
        }
    }

    /** The mixer written out per sample, direction, channel and step with double loops (d_state 1). */
    private static Tensor reference(MultiScanMixer m, Tensor x, int h, int w) {
        Map<String, Tensor> p = m.stateDict();
        var child = m.namedChildren();
        int b = x.size(0), c = x.size(3), l = h * w, di = m.config().dInner(), r = m.config().dtRank(), k = 2;
        boolean gate = m.extras().zGate(), hNorm = m.extras().hiddenNorm();
        Tensor xz = ((Layer) child.get("in_proj")).forward(Var.of(x)).value();                 // (B, H, W, di or 2di)
        Tensor t = ((Layer) child.get("conv2d")).forward(Var.of(xz.narrow(3, 0, di).permute(0, 3, 1, 2))).value().silu();
        double[] tv = t.contiguous().toDoubleArray();                                            // (B, di, H, W)
        double[] xp = p.get("x_proj_weight").toDoubleArray(), dtw = p.get("dt_projs_weight").toDoubleArray();
        double[] dtb = p.get("dt_projs_bias").toDoubleArray(), aLog = p.get("A_logs").toDoubleArray(), ds = p.get("Ds").toDoubleArray();
        double[] hw = hNorm ? p.get("h_norm.weight").toDoubleArray() : null, hb = hNorm ? p.get("h_norm.bias").toDoubleArray() : null;
        double[][][] merged = new double[b][l][di];
        for (int kk = 0; kk < k; kk++) {
            int[] perm = ScanOrders.of(ORDERS.get(kk), h, w).perm();                              // step → row-major token
            for (int bb = 0; bb < b; bb++) {
                double[][] u = new double[l][di], hid = new double[l][di], dt = new double[l][di];
                double[] bs = new double[l], cs = new double[l];
                for (int s = 0; s < l; s++) for (int d = 0; d < di; d++) u[s][d] = tv[(bb * di + d) * l + perm[s]];
                for (int s = 0; s < l; s++) {
                    double[] dbl = new double[r + 2];
                    for (int o = 0; o < r + 2; o++) for (int d = 0; d < di; d++) dbl[o] += xp[(kk * (r + 2) + o) * di + d] * u[s][d];
                    bs[s] = dbl[r];
                    cs[s] = dbl[r + 1];
                    for (int d = 0; d < di; d++) {
                        double v = dtb[kk * di + d];
                        for (int q = 0; q < r; q++) v += dtw[(kk * di + d) * r + q] * dbl[q];
                        dt[s][d] = softplus(v);
                    }
                }
                for (int d = 0; d < di; d++) {
                    double state = 0, a = -Math.exp(aLog[kk * di + d]);
                    for (int s = 0; s < l; s++) {
                        state = Math.exp(dt[s][d] * a) * state + dt[s][d] * bs[s] * u[s][d];
                        hid[s][d] = state;
                    }
                }
                for (int s = 0; s < l; s++) {
                    double[] y = hid[s].clone();
                    if (hNorm) {
                        double mean = 0, var = 0;
                        for (double v : y) mean += v / di;
                        for (double v : y) var += (v - mean) * (v - mean) / di;
                        for (int d = 0; d < di; d++) y[d] = (y[d] - mean) / Math.sqrt(var + 1e-5) * hw[d] + hb[d];
                    }
                    for (int d = 0; d < di; d++) merged[bb][perm[s]][d] += y[d] * cs[s] + ds[kk * di + d] * u[s][d];
                }
            }
        }
        double[] flat = new double[b * l * di];
        for (int bb = 0; bb < b; bb++) for (int s = 0; s < l; s++) System.arraycopy(merged[bb][s], 0, flat, (bb * l + s) * di, di);
        Var out = ((Layer) child.get("out_norm")).forward(Var.of(Tensor.of(flat, b, h, w, di)));
        if (gate) out = out.mul(Var.of(xz.narrow(3, di, di).silu()));
        return ((Layer) child.get("out_proj")).forward(out).value();
    }
}
