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
 * Cross scan: serialises a feature map along K scan orders at once,
 * {@code seq[b, k, c, i] = x[b, c, orders[k].perm()[i]]} (VMamba's {@code CrossScan} when the orders
 * are {@code ScanOrders.vmambaCrossScan}). One autograd node; its backward is {@link CrossMerge}.
 */
public final class CrossScan {
    private CrossScan() {}

    /**
     * @param x      (B, C, H, W) feature map
     * @param orders K orders of the H×W grid
     * @return (B, K, C, L), L = H·W
     */
    public static Var apply(Var x, List<ScanOrder> orders) { return apply(x, orders, Layout.CHANNELS_FIRST); }

    /**
     * @param x      (B, H, W, C) channels-last feature map
     * @param orders K orders of the H×W grid
     * @return (B, K, C, L), L = H·W
     */
    public static Var applyChannelsLast(Var x, List<ScanOrder> orders) { return apply(x, orders, Layout.CHANNELS_LAST); }

    private static Var apply(Var x, List<ScanOrder> orders, Layout layout) {
        if (x == null || x.rank() != 4) {
            throw new JmambaException("cross scan: x must have shape " + shapeName(layout) + ", got "
                    + (x == null ? "null" : Arrays.toString(x.shape())));
        }
        boolean last = layout == Layout.CHANNELS_LAST;
        int h = x.size(last ? 1 : 2), w = x.size(last ? 2 : 3);
        OrderTable table = OrderTable.of(orders, h, w);
        return CustomOps.apply(new Function(table, layout), x)[0];
    }

    static String shapeName(Layout layout) { return layout == Layout.CHANNELS_LAST ? "(B, H, W, C)" : "(B, C, H, W)"; }

    /** The node: forward gathers, backward merges the gradient (the adjoint). */
    private record Function(OrderTable orders, Layout layout) implements CustomFunction {
        @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
            return new Tensor[] {Scan2dKernels.forDevice(in[0].device()).scan(in[0], orders, layout)};
        }

        @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
            Tensor g = gradOutputs[0];                                               // (B, K, C, L)
            if (g == null) return new Tensor[] {null};
            return new Tensor[] {Scan2dKernels.forDevice(g.device()).merge(g, orders, layout)};
        }
    }
}
