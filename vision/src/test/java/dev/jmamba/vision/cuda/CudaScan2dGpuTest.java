package dev.jmamba.vision.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.curves.ScanOrder;
import dev.jmamba.curves.ScanOrders;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.TensorAssert;
import dev.jmamba.vision.scan2d.CrossMerge;
import dev.jmamba.vision.scan2d.CrossScan;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CrossScan / CrossMerge on CUDA ({@link CudaScan2dKernels}) against the same ops on the CPU: values and
 * gradients through Var backward, both layouts, F32 and F64, on square, non-square and odd grids with
 * VMamba's four directions and hilbert + hilbert-t. C = 40 and L up to 143 cover several 32 × 32 tiles
 * of the channels-last kernels, with partial tiles at both edges.
 *
 * <p>Tolerances: the scan is a pure gather, so values must be bit-identical; the merge adds the K
 * orders in k order from 0 in the compute type on both devices (additions only, nothing to contract
 * into an FMA), so it is bit-identical as well — we allow 1e-6 of the largest magnitude (F32; 1e-14
 * for F64) only so a reordered sum in a future kernel shows up as a clear failure rather than noise.
 */
@Tag("gpu")
class CudaScan2dGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final int[][] GRIDS = {{5, 7}, {7, 5}, {11, 13}, {14, 14}, {1, 9}};

    @BeforeEach void needsGpu() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
    }

    private static List<List<ScanOrder>> orderSets(int h, int w) {
        return List.of(ScanOrders.vmambaCrossScan(h, w), List.of(ScanOrders.of("hilbert", h, w), ScanOrders.of("hilbert-t", h, w)));
    }

    @Test void crossScanMatchesCpuWithGradients() {
        long seed = 1;
        for (int[] g : GRIDS) {
            for (List<ScanOrder> orders : orderSets(g[0], g[1])) {
                for (boolean last : new boolean[] {false, true}) {
                    for (DType dtype : new DType[] {DType.F32, DType.F64}) {
                        int b = 2, c = 40, k = orders.size(), l = g[0] * g[1];
                        int[] shape = last ? new int[] {b, g[0], g[1], c} : new int[] {b, c, g[0], g[1]};
                        Tensor x = Tensor.randn(seed++, shape).to(dtype);
                        Tensor gout = Tensor.randn(seed++, b, k, c, l).to(dtype);                  // (B, K, C, L)
                        String what = "scan " + g[0] + "x" + g[1] + " K=" + k + (last ? " channels-last " : " ") + dtype;
                        Var xc = Var.param(x.copy()), xg = Var.param(x.to(GPU));
                        Var sc = last ? CrossScan.applyChannelsLast(xc, orders) : CrossScan.apply(xc, orders);
                        Var sg = last ? CrossScan.applyChannelsLast(xg, orders) : CrossScan.apply(xg, orders);
                        assertEquals(GPU, sg.value().device(), what);
                        assertArrayEquals(sc.shape(), sg.shape(), what);
                        assertEquals(0, sc.value().maxAbsDiff(sg.value().to(Device.CPU)), what + ": values");
                        sc.backward(gout);
                        sg.backward(gout.to(GPU));
                        close(xc.grad(), xg.grad(), dtype, what + ": gradient (a merge)");
                    }
                }
            }
        }
    }

    @Test void crossMergeMatchesCpuWithGradients() {
        long seed = 100;
        for (int[] g : GRIDS) {
            for (List<ScanOrder> orders : orderSets(g[0], g[1])) {
                for (boolean last : new boolean[] {false, true}) {
                    for (DType dtype : new DType[] {DType.F32, DType.F64}) {
                        int h = g[0], w = g[1], b = 2, c = 40, k = orders.size(), l = h * w;
                        Tensor seq = Tensor.randn(seed++, b, k, c, l).to(dtype);                  // (B, K, C, L)
                        int[] mapShape = last ? new int[] {b, h, w, c} : new int[] {b, c, h, w};
                        Tensor gout = Tensor.randn(seed++, mapShape).to(dtype);
                        String what = "merge " + h + "x" + w + " K=" + k + (last ? " channels-last " : " ") + dtype;
                        Var yc = Var.param(seq.copy()), yg = Var.param(seq.to(GPU));
                        Var mc = last ? CrossMerge.applyChannelsLast(yc, orders, h, w) : CrossMerge.apply(yc, orders, h, w);
                        Var mg = last ? CrossMerge.applyChannelsLast(yg, orders, h, w) : CrossMerge.apply(yg, orders, h, w);
                        assertArrayEquals(mc.shape(), mg.shape(), what);
                        close(mc.value(), mg.value(), dtype, what + ": values");
                        mc.backward(gout);
                        mg.backward(gout.to(GPU));
                        assertEquals(0, yc.grad().maxAbsDiff(yg.grad().to(Device.CPU)), what + ": gradient (a scan)");
                    }
                }
            }
        }
    }

    /**
     * bf16 maps and sequences run in their own kernels: the scan copies the 16-bit values (bit-identical to the
     * CPU), the merge adds them in float32 in k order and returns float32 (bit-identical to the CPU's float32 sum
     * of the widened values); the gradients (float32, Autocast.gradientType) flow through the float32 kernels.
     */
    @Test void bf16ScansCopyAndMergesSumInFloat32() {
        long seed = 300;
        for (int[] g : GRIDS) {
            for (List<ScanOrder> orders : orderSets(g[0], g[1])) {
                for (boolean last : new boolean[] {false, true}) {
                    int h = g[0], w = g[1], b = 2, c = 40, k = orders.size(), l = h * w;
                    String what = "bf16 " + h + "x" + w + " K=" + k + (last ? " channels-last" : "");
                    Tensor x = Tensor.randn(seed++, last ? new int[] {b, h, w, c} : new int[] {b, c, h, w}).to(DType.BF16);
                    Var xc = Var.param(x.copy()), xg = Var.param(x.to(GPU));
                    Var sc = last ? CrossScan.applyChannelsLast(xc, orders) : CrossScan.apply(xc, orders);
                    Var sg = last ? CrossScan.applyChannelsLast(xg, orders) : CrossScan.apply(xg, orders);
                    assertEquals(DType.BF16, sg.dtype(), what + ": the scan keeps bf16");
                    assertEquals(0, sc.value().maxAbsDiff(sg.value().to(Device.CPU)), what + ": scan values");
                    Tensor seq = Tensor.randn(seed++, b, k, c, l).to(DType.BF16);                 // (B, K, C, L)
                    Var mc = last ? CrossMerge.applyChannelsLast(Var.of(seq), orders, h, w) : CrossMerge.apply(Var.of(seq), orders, h, w);
                    Var mg = last ? CrossMerge.applyChannelsLast(Var.of(seq.to(GPU)), orders, h, w)
                                  : CrossMerge.apply(Var.of(seq.to(GPU)), orders, h, w);
                    assertEquals(DType.F32, mg.dtype(), what + ": the merge of bf16 sums in float32");
                    assertEquals(0, mc.value().maxAbsDiff(mg.value().to(Device.CPU)), what + ": merge values");
                    if (!last) continue;
                    // the bf16 map (cross_merge_cl_bf16_bf16): the same float32 sums rounded once, as the CPU's default
                    Var bc = CrossMerge.applyChannelsLastBf16(Var.of(seq), orders, h, w);
                    Var bg = CrossMerge.applyChannelsLastBf16(Var.of(seq.to(GPU)), orders, h, w);
                    assertEquals(DType.BF16, bg.dtype(), what + ": the bf16 map");
                    assertEquals(0, bc.value().maxAbsDiff(bg.value().to(Device.CPU)), what + ": bf16 map values");
                    assertEquals(0, mc.value().to(DType.BF16).maxAbsDiff(bg.value().to(Device.CPU)), what + ": bf16 map = rounded sums");
                }
            }
        }
    }

    /**
     * The channels-first kernels walk rows in a grid-stride loop over at most 65535 grid rows and positions in a
     * stride loop over the block's threads: more rows than one grid pass (B·K·C and B·C > 65535, as VMamba-T's last
     * stage at batch 128) and rows longer than one pass of the threads (L = 2500 > 256 · 8), bit-identical to the CPU.
     */
    @Test void channelsFirstRowLoopsCoverManyRowsAndLongRows() {
        long seed = 500;
        for (int[] shape : new int[][] {{280, 240, 2, 3}, {1, 3, 50, 50}}) {   // b, c, h, w
            int b = shape[0], c = shape[1], h = shape[2], w = shape[3], l = h * w;
            List<ScanOrder> orders = ScanOrders.vmambaCrossScan(h, w);
            int k = orders.size();
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                String what = "channels-first " + b + "x" + c + "x" + h + "x" + w + " " + dtype;
                Tensor x = Tensor.randn(seed++, b, c, h, w).to(dtype);
                Tensor cpu = CrossScan.apply(Var.of(x), orders).value(), gpu = CrossScan.apply(Var.of(x.to(GPU)), orders).value();
                assertEquals(0, cpu.maxAbsDiff(gpu.to(Device.CPU)), what + ": scan");
                Tensor seq = Tensor.randn(seed++, b, k, c, l).to(dtype);
                Tensor mc = CrossMerge.apply(Var.of(seq), orders, h, w).value(), mg = CrossMerge.apply(Var.of(seq.to(GPU)), orders, h, w).value();
                assertEquals(0, mc.maxAbsDiff(mg.to(Device.CPU)), what + ": merge");
            }
        }
    }

    @Test void cachedTableOutlivesTheScopeThatUploadedIt() {
        int h = 9, w = 4;
        List<ScanOrder> orders = List.of(ScanOrders.of("hilbert", h, w), ScanOrders.of("snake-col", h, w));
        Tensor x = Tensor.randn(8, 1, 3, h, w);
        Tensor expected = CrossScan.apply(Var.of(x), orders).value();
        try (Scope step = Scope.open()) {
            Tensor first = CrossScan.apply(Var.of(x.to(GPU)), orders).value().to(Device.CPU);
            assertEquals(0, expected.maxAbsDiff(first), "first use (uploads the table inside a scope)");
        }
        Tensor again = CrossScan.apply(Var.of(x.to(GPU)), orders).value().to(Device.CPU);
        assertEquals(0, expected.maxAbsDiff(again), "after the scope closed (the table must still be live)");
    }

    private static void close(Tensor expected, Tensor actual, DType dtype, String what) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        double rel = dtype == DType.F64 ? 1e-14 : 1e-6;
        TensorAssert.assertClose(expected, actual.to(Device.CPU), rel * Math.max(scale, 1e-6), 0, what);
    }
}
