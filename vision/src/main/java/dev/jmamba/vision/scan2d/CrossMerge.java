package dev.jmamba.vision.scan2d;

import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.CustomOps;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.autograd.Var;
import dev.jmamba.curves.ScanOrder;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * Cross merge: puts each of K sequences back onto the grid through its order's inverse and sums
 * them, {@code x[b, c, cell] = Σ_k seq[b, k, c, orders[k].inverse()[cell]]} (VMamba's
 * {@code CrossMerge}). The adjoint of {@link CrossScan}; one autograd node whose backward is a cross scan.
 */
public final class CrossMerge {
    private CrossMerge() {}

    /**
     * @param seq    (B, K, C, L) sequences, sequence k in the step order of {@code orders.get(k)}
     * @param orders K orders of the h×w grid
     * @return (B, C, H, W)
     */
    public static Var apply(Var seq, List<ScanOrder> orders, int h, int w) {
        return apply(seq, orders, h, w, Layout.CHANNELS_FIRST);
    }

    /**
     * @param seq    (B, K, C, L)
     * @param orders K orders of the h×w grid
     * @return (B, H, W, C) channels-last
     */
    public static Var applyChannelsLast(Var seq, List<ScanOrder> orders, int h, int w) {
        return apply(seq, orders, h, w, Layout.CHANNELS_LAST, false);
    }

    /**
     * {@link #applyChannelsLast} for a map that only bf16-reading ops take (autocast's activations): bf16 sequences
     * merge to a bf16 map, the float32 sums rounded once ({@link Scan2dKernels#mergeToBf16}); other sequences as
     * {@link #applyChannelsLast}. The gradient is the cross scan of the map's (float32) gradient either way.
     *
     * @param seq    (B, K, C, L)
     * @param orders K orders of the h×w grid
     * @return (B, H, W, C) channels-last
     */
    public static Var applyChannelsLastBf16(Var seq, List<ScanOrder> orders, int h, int w) {
        return apply(seq, orders, h, w, Layout.CHANNELS_LAST, seq != null && seq.value().dtype() == dev.jmamba.tensor.DType.BF16);
    }

    private static Var apply(Var seq, List<ScanOrder> orders, int h, int w, Layout layout) {
        return apply(seq, orders, h, w, layout, false);
    }

    private static Var apply(Var seq, List<ScanOrder> orders, int h, int w, Layout layout, boolean bf16Map) {
        OrderTable table = OrderTable.of(orders, h, w);
        if (seq == null || seq.rank() != 4 || seq.size(1) != table.directions() || seq.size(3) != table.length()) {
            throw new JmambaException("cross merge: seq must have shape (B, K, C, L) with K = " + table.directions()
                    + " orders and L = " + h + "*" + w + " = " + table.length() + ", got "
                    + (seq == null ? "null" : Arrays.toString(seq.shape())));
        }
        return CustomOps.apply(new Function(table, layout, bf16Map), seq)[0];
    }

    /** The node: forward merges, backward scans the gradient (the adjoint). */
    private record Function(OrderTable orders, Layout layout, boolean bf16Map) implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Scan2dKernels kernels = Scan2dKernels.forDevice(in[0].device());
            return new Tensor[] {bf16Map ? kernels.mergeToBf16(in[0], orders, layout) : kernels.merge(in[0], orders, layout)};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor g = gradOutputs[0];                                       // (B, C, H, W) or (B, H, W, C)
            if (g == null) return new Tensor[] {null};
            return new Tensor[] {Scan2dKernels.forDevice(g.device()).scan(g, orders, layout)};
        }
    }
}
