package dev.jmamba.vision.scan2d;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.curves.ScanOrder;
import dev.jmamba.curves.ScanOrders;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.RandomTensors;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link CrossScan} and {@link CrossMerge} (one fused node each, K orders at once) against their compositions of
 * elementary Var ops — reshape / permute, one {@code indexSelect} per order, {@code stack}, {@code select} and
 * {@code add} — on outputs and gradients, both layouts, float64 and float32, VMamba's four directions and a mixed set
 * of three orders on non-square grids, seeded inputs.
 *
 * <p>Tolerances. The scan's output and the merge's gradient are gathers on both sides: bit-identical. The merge's
 * output and the scan's gradient add K values per element, possibly in another order on the two sides: at most
 * (K − 1) roundings of u·Σ|terms| with Σ|terms| ≤ K·max|input|, so K²·u·max|input| (u = 2⁻²⁴ float32, 2⁻⁵³ float64).
 */
class CrossScanMergeCompositionTest {

    private static List<List<ScanOrder>> orderSets(int h, int w) {
        return List.of(ScanOrders.vmambaCrossScan(h, w),
                List.of(ScanOrders.of("hilbert", h, w), ScanOrders.of("snake-col-rev", h, w), ScanOrders.of("window2", h, w)));
    }

    /** x (B, C, H, W), or (B, H, W, C) when channelsLast → (B, K, C, L) by one index select per order. */
    static Var scanComposed(Var x, List<ScanOrder> orders, boolean channelsLast) {
        Var map = channelsLast ? x.permute(0, 3, 1, 2) : x;                        // (B, C, H, W)
        int b = map.size(0), c = map.size(1), l = map.size(2) * map.size(3);
        Var flat = map.reshape(b, c, l);                                           // (B, C, L)
        Var[] parts = new Var[orders.size()];
        for (int k = 0; k < parts.length; k++) parts[k] = flat.indexSelect(2, Tensor.of(orders.get(k).perm(), l));
        return Var.stack(1, parts);
    }

    /** seq (B, K, C, L) → (B, C, H, W), or (B, H, W, C) when channelsLast: the sum over k of each order undone. */
    static Var mergeComposed(Var seq, List<ScanOrder> orders, int h, int w, boolean channelsLast) {
        int b = seq.size(0), c = seq.size(2), l = h * w;
        Var sum = null;
        for (int k = 0; k < orders.size(); k++) {
            Var part = seq.select(1, k).indexSelect(2, Tensor.of(orders.get(k).inverse(), l));   // (B, C, L)
            sum = sum == null ? part : sum.add(part);
        }
        Var map = sum.reshape(b, c, h, w);
        return channelsLast ? map.permute(0, 2, 3, 1) : map;
    }

    @Test void scanAndMergeAgreeWithTheirCompositions() {
        long seed = 300;
        for (int[] g : new int[][] {{5, 7}, {4, 6}}) {
            int h = g[0], w = g[1], b = 2, c = 3, l = h * w;
            for (List<ScanOrder> orders : orderSets(h, w)) {
                int k = orders.size();
                for (boolean last : new boolean[] {false, true}) {
                    for (DType dt : new DType[] {DType.F64, DType.F32}) {
                        String what = h + "x" + w + " K=" + k + (last ? " channels-last " : " ") + dt;
                        double u = dt == DType.F64 ? 0x1p-53 : 0x1p-24;
                        int[] mapShape = last ? new int[] {b, h, w, c} : new int[] {b, c, h, w};

                        Tensor x = RandomTensors.gaussian(seed++, mapShape).to(dt), gSeq = RandomTensors.gaussian(seed++, b, k, c, l).to(dt);
                        Var xf = Var.param(x.copy()), xc = Var.param(x.copy());
                        Var sf = last ? CrossScan.applyChannelsLast(xf, orders) : CrossScan.apply(xf, orders);
                        Var sc = scanComposed(xc, orders, last);
                        assertArrayEquals(sc.shape(), sf.shape(), what + " scan shape");
                        within(sc.value(), sf.value(), 0, what + " scan output (a gather)");
                        sf.backward(gSeq);
                        sc.backward(gSeq);
                        within(xc.grad(), xf.grad(), (double) k * k * u * maxAbs(gSeq), what + " scan gradient (a sum of K)");

                        Tensor seq = RandomTensors.gaussian(seed++, b, k, c, l).to(dt), gMap = RandomTensors.gaussian(seed++, mapShape).to(dt);
                        Var yf = Var.param(seq.copy()), yc = Var.param(seq.copy());
                        Var mf = last ? CrossMerge.applyChannelsLast(yf, orders, h, w) : CrossMerge.apply(yf, orders, h, w);
                        Var mc = mergeComposed(yc, orders, h, w, last);
                        assertArrayEquals(mc.shape(), mf.shape(), what + " merge shape");
                        within(mc.value(), mf.value(), (double) k * k * u * maxAbs(seq), what + " merge output (a sum of K)");
                        mf.backward(gMap);
                        mc.backward(gMap);
                        within(yc.grad(), yf.grad(), 0, what + " merge gradient (a gather)");
                    }
                }
            }
        }
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (double v : t.toDoubleArray()) m = Math.max(m, Math.abs(v));
        return m;
    }

    private static void within(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]);
            int at = i;
            assertTrue(d <= tol, () -> what + ": element " + at + " expected " + e[at] + ", got " + a[at] + " (tolerance " + tol + ")");
        }
    }
}
