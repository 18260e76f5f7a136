package dev.jmamba.vision.scan2d;

import dev.jmamba.ssm.CpuArrays;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.Parallel;

import java.util.Arrays;

/**
 * Cross scan and merge on the CPU: multi-threaded over the (b, k, c) rows of the sequences (scan)
 * or the (b, c) rows of the map (merge), each row a gather through one int[] permutation, so no two
 * tasks write the same element and no atomics are needed. Merge sums the K orders in order k = 0..K−1
 * (deterministic). float64 tensors run in float64, everything else in float32.
 */
public final class CpuScan2dKernels implements Scan2dKernels {

    /** The shared instance (stateless). */
    public static final CpuScan2dKernels INSTANCE = new CpuScan2dKernels();

    /** Rows per task: about this many elements each. */
    private static final int ELEMENTS_PER_TASK = 1 << 14;

    private CpuScan2dKernels() {}

    @Override public boolean supports(Device device) { return device instanceof Device.Cpu; }

    @Override public Tensor scan(Tensor map, OrderTable orders, Layout layout) {
        int[] s = map.shape();
        if (s.length != 4) throw new JmambaException("cross scan: map must be rank 4, got " + Arrays.toString(s));
        boolean last = layout == Layout.CHANNELS_LAST;
        int b = s[0], c = last ? s[3] : s[1], k = orders.directions(), l = orders.length();
        Rows rows = new Rows(b, k, c, l, last);
        int[] outShape = {b, k, c, l};
        if (map.dtype() == DType.F64) {
            double[] in = CpuArrays.doubles(map), out = new double[b * k * c * l];
            Parallel.forBlocks(b * k * c, rows.grain(), (start, end) -> {
                for (int r = start; r < end; r++) {
                    int[] perm = orders.perms()[rows.k(r)];
                    int base = rows.mapBase(rows.b(r), rows.c(r)), stride = rows.mapStride(), o = r * l;
                    for (int i = 0; i < l; i++) out[o + i] = in[base + perm[i] * stride];
                }
            });
            return CpuArrays.tensor(out, DType.F64, outShape);
        }
        float[] in = CpuArrays.floats(map), out = new float[b * k * c * l];
        Parallel.forBlocks(b * k * c, rows.grain(), (start, end) -> {
            for (int r = start; r < end; r++) {
                int[] perm = orders.perms()[rows.k(r)];
                int base = rows.mapBase(rows.b(r), rows.c(r)), stride = rows.mapStride(), o = r * l;
                for (int i = 0; i < l; i++) out[o + i] = in[base + perm[i] * stride];
            }
        });
        return CpuArrays.tensor(out, map.dtype(), outShape);
    }

    @Override public Tensor merge(Tensor seq, OrderTable orders, Layout layout) {
        int[] s = seq.shape();
        if (s.length != 4) throw new JmambaException("cross merge: seq must be rank 4, got " + Arrays.toString(s));
        boolean last = layout == Layout.CHANNELS_LAST;
        int b = s[0], k = s[1], c = s[2], l = s[3];
        Rows rows = new Rows(b, k, c, l, last);
        int[] outShape = last ? new int[] {b, orders.h(), orders.w(), c} : new int[] {b, c, orders.h(), orders.w()};
        if (seq.dtype() == DType.F64) {
            double[] in = CpuArrays.doubles(seq), out = new double[b * c * l];
            Parallel.forBlocks(b * c, rows.grain(), (start, end) -> {
                double[] acc = new double[l];                                    // (L) one merged row
                for (int r = start; r < end; r++) {
                    Arrays.fill(acc, 0);
                    int bi = r / c, ci = r % c;
                    for (int ki = 0; ki < k; ki++) {
                        int[] inv = orders.inverses()[ki];
                        int base = ((bi * k + ki) * c + ci) * l;
                        for (int j = 0; j < l; j++) acc[j] += in[base + inv[j]];
                    }
                    int o = rows.mapBase(bi, ci), stride = rows.mapStride();
                    for (int j = 0; j < l; j++) out[o + j * stride] = acc[j];
                }
            });
            return CpuArrays.tensor(out, DType.F64, outShape);
        }
        float[] in = CpuArrays.floats(seq), out = new float[b * c * l];
        Parallel.forBlocks(b * c, rows.grain(), (start, end) -> {
            float[] acc = new float[l];                                          // (L) one merged row
            for (int r = start; r < end; r++) {
                Arrays.fill(acc, 0);
                int bi = r / c, ci = r % c;
                for (int ki = 0; ki < k; ki++) {
                    int[] inv = orders.inverses()[ki];
                    int base = ((bi * k + ki) * c + ci) * l;
                    for (int j = 0; j < l; j++) acc[j] += in[base + inv[j]];
                }
                int o = rows.mapBase(bi, ci), stride = rows.mapStride();
                for (int j = 0; j < l; j++) out[o + j * stride] = acc[j];
            }
        });
        return CpuArrays.tensor(out, Scan2dKernels.mergedType(seq.dtype()), outShape);
    }

    /** Index arithmetic of the (B, K, C, L) sequence rows and the map in either layout. */
    private record Rows(int batch, int directions, int channels, int length, boolean channelsLast) {
        int b(int row) { return row / (directions * channels); }
        int k(int row) { return row / channels % directions; }
        int c(int row) { return row % channels; }
        /** Flat index of map element (b, c, cell 0). */
        int mapBase(int b, int c) { return channelsLast ? b * length * channels + c : (b * channels + c) * length; }
        /** Distance between cells of one channel in the map. */
        int mapStride() { return channelsLast ? channels : 1; }
        int grain() { return Math.max(1, ELEMENTS_PER_TASK / length); }
    }
}
