package dev.jmamba.vision.scan2d;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.curves.ScanOrder;
import dev.jmamba.curves.ScanOrders;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.RandomTensors;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CrossScan} and {@link CrossMerge}: gradients, agreement with per-order gathers, adjointness, VMamba's four directions. */
class CrossScanMergeTest {

    static Tensor random(long seed, DType dtype, int... shape) {
        return RandomTensors.gaussian(seed, shape).to(dtype);
    }

    static List<ScanOrder> mixed(int h, int w) {
        return List.of(ScanOrders.of("hilbert", h, w), ScanOrders.of("snake-col-rev", h, w), ScanOrders.of("window2", h, w));
    }

    @Test void gradchecksInBothLayouts() {
        int h = 3, w = 4;
        List<ScanOrder> o = mixed(h, w);
        GradCheck.check(v -> CrossScan.apply(v[0], o), random(1, DType.F64, 2, 3, h, w));
        GradCheck.check(v -> CrossScan.applyChannelsLast(v[0], o), random(2, DType.F64, 2, h, w, 3));
        GradCheck.check(v -> CrossMerge.apply(v[0], o, h, w), random(3, DType.F64, 2, 3, 3, h * w));
        GradCheck.check(v -> CrossMerge.applyChannelsLast(v[0], o, h, w), random(4, DType.F64, 2, 3, 3, h * w));
    }

    @Test void kOrdersAtOnceEqualKSeparateGathers() {
        int h = 5, w = 7, b = 2, c = 3;
        List<ScanOrder> o = mixed(h, w);
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            Tensor x = random(5, dtype, b, c, h, w);
            Tensor seq = CrossScan.apply(Var.of(x), o).value();                                     // (B, K, C, L)
            Tensor seqLast = CrossScan.applyChannelsLast(Var.of(x.permute(0, 2, 3, 1).contiguous()), o).value();
            Tensor flat = x.reshape(b, c, h * w);
            for (int k = 0; k < o.size(); k++) {
                Tensor expected = flat.indexSelect(2, Tensor.of(o.get(k).perm(), h * w));         // (B, C, L)
                assertEquals(0, expected.maxAbsDiff(seq.select(1, k)), "order " + k + " " + dtype);
                assertEquals(0, expected.maxAbsDiff(seqLast.select(1, k)), "channels-last order " + k + " " + dtype);
            }
        }
    }

    @Test void mergeIsTheSumOfPerOrderUnpermutations() {
        int h = 4, w = 6, b = 2, c = 3;
        List<ScanOrder> o = mixed(h, w);
        Tensor seq = random(6, DType.F64, b, o.size(), c, h * w);
        Tensor expected = Tensor.zeros(DType.F64, seq.device(), b, c, h * w);
        for (int k = 0; k < o.size(); k++) {
            expected = expected.add(seq.select(1, k).indexSelect(2, Tensor.of(o.get(k).inverse(), h * w)));
        }
        Tensor merged = CrossMerge.apply(Var.of(seq), o, h, w).value();                          // (B, C, H, W)
        Tensor mergedLast = CrossMerge.applyChannelsLast(Var.of(seq), o, h, w).value();          // (B, H, W, C)
        // summing 3 numbers of size ~1 in another order: within a few ulps of float64
        assertTrue(expected.reshape(b, c, h, w).maxAbsDiff(merged) < 1e-14);
        assertTrue(expected.reshape(b, c, h, w).permute(0, 2, 3, 1).maxAbsDiff(mergedLast) < 1e-14);
    }

    @Test void mergeAfterScanIsKTimesIdentityForKCopiesOfOneOrder() {
        int h = 6, w = 5;
        List<ScanOrder> copies = Collections.nCopies(3, ScanOrders.of("gilbert-t", h, w));
        Tensor x = random(7, DType.F32, 2, 4, h, w);
        Tensor back = CrossMerge.apply(CrossScan.apply(Var.of(x), copies), copies, h, w).value();
        assertEquals(0, x.mul(3.0).maxAbsDiff(back), 1e-6);   // x+x+x vs 3x in float32: at most 1 ulp
    }

    @Test void adjointness() {
        // <scan(x), y> = <x, merge(y)> for any x, y: the backward of each op is the other
        int h = 3, w = 5;
        List<ScanOrder> o = mixed(h, w);
        Tensor x = random(8, DType.F64, 2, 3, h, w), y = random(9, DType.F64, 2, 3, 3, h * w);
        double lhs = CrossScan.apply(Var.of(x), o).value().mul(y).sum().item();
        double rhs = x.mul(CrossMerge.apply(Var.of(y), o, h, w).value()).sum().item();
        assertEquals(lhs, rhs, 1e-12 * Math.abs(lhs) + 1e-12);
    }

    @Test void vmambaFourDirectionsFollowTheSpecFormulas() {
        int h = 3, w = 4, l = h * w;
        Tensor x = random(10, DType.F64, 1, 2, h, w);
        List<ScanOrder> o = ScanOrders.vmambaCrossScan(h, w);
        Tensor seq = CrossScan.apply(Var.of(x), o).value();                                        // (1, 4, 2, L)
        double[] xv = x.toDoubleArray(), sv = seq.toDoubleArray();
        for (int c = 0; c < 2; c++) {
            for (int row = 0; row < h; row++) {
                for (int col = 0; col < w; col++) {
                    double v = xv[(c * h + row) * w + col];
                    int rowMajor = row * w + col, colMajor = col * h + row;
                    assertEquals(v, sv[(0 * 2 + c) * l + rowMajor]);                 // seq0: row-major
                    assertEquals(v, sv[(1 * 2 + c) * l + colMajor]);                 // seq1: column-major
                    assertEquals(v, sv[(2 * 2 + c) * l + l - 1 - rowMajor]);         // seq2 = reverse(seq0)
                    assertEquals(v, sv[(3 * 2 + c) * l + l - 1 - colMajor]);         // seq3 = reverse(seq1)
                }
            }
        }
        // merge: y[h*W+w] = y0[hW+w] + y2[L-1-(hW+w)] + y1[wH+h] + y3[L-1-(wH+h)]
        Tensor y = random(11, DType.F64, 1, 4, 2, l);
        double[] yv = y.toDoubleArray(), mv = CrossMerge.apply(Var.of(y), o, h, w).value().toDoubleArray();
        for (int c = 0; c < 2; c++) {
            for (int row = 0; row < h; row++) {
                for (int col = 0; col < w; col++) {
                    int rm = row * w + col, cm = col * h + row;
                    double expected = yv[(0 * 2 + c) * l + rm] + yv[(2 * 2 + c) * l + l - 1 - rm]
                            + yv[(1 * 2 + c) * l + cm] + yv[(3 * 2 + c) * l + l - 1 - cm];
                    assertEquals(expected, mv[c * l + rm], 1e-14);
                }
            }
        }
    }

    /** bf16 (autocast's activations): the scan gathers the 16-bit values, the merge sums them in float32 (k order). */
    @Test void bf16ScanCopiesAndBf16MergeSumsInFloat32() {
        int h = 5, w = 6, b = 2, c = 3;
        List<ScanOrder> orders = mixed(h, w);
        Tensor x = random(41, DType.BF16, b, c, h, w);
        Tensor scanned = CrossScan.apply(Var.of(x), orders).value();
        assertEquals(DType.BF16, scanned.dtype());
        assertEquals(0, scanned.to(DType.F32).maxAbsDiff(CrossScan.apply(Var.of(x.to(DType.F32)), orders).value()));
        Tensor seq = random(42, DType.BF16, b, orders.size(), c, h * w);
        Tensor merged = CrossMerge.apply(Var.of(seq), orders, h, w).value();
        assertEquals(DType.F32, merged.dtype(), "a sum of K bf16 values is kept in float32");
        assertEquals(0, merged.maxAbsDiff(CrossMerge.apply(Var.of(seq.to(DType.F32)), orders, h, w).value()),
                "the float32 sum of the widened values, in the same order");
        assertEquals(DType.F32, Scan2dKernels.mergedType(DType.BF16));
        assertEquals(DType.F64, Scan2dKernels.mergedType(DType.F64));
    }

    @Test void badInputsAreNamed() {
        List<ScanOrder> o = mixed(3, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> CrossScan.apply(Var.of(Tensor.zeros(1, 2, 4, 4)), o));
        assertTrue(e.getMessage().contains("3x4 grid") && e.getMessage().contains("4x4"), e.getMessage());
        var m = assertThrows(IllegalArgumentException.class, () -> CrossMerge.apply(Var.of(Tensor.zeros(1, 2, 2, 12)), o, 3, 4));
        assertTrue(m.getMessage().contains("K = 3") && m.getMessage().contains("[1, 2, 2, 12]"), m.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CrossScan.apply(Var.of(Tensor.zeros(1, 2, 3, 4)), List.of()));
        assertArrayEquals(new int[] {1, 3, 2, 12}, CrossScan.apply(Var.of(Tensor.zeros(1, 2, 3, 4)), o).shape());
    }
}
