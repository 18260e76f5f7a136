package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;

/**
 * {@code gy · op'(x)} in one pass ({@link dev.jmamba.tensor.Backend#unaryGrad}): the backward of
 * an activation without the chain of element-wise temporaries its formula would need. Each element
 * is computed in double by {@link UnaryOp#derivative} and rounded once, except GELU and SiLU on float32 with SIMD
 * on, which run in float lanes ({@link VectorMathSimd#geluDerivative}: the erf approximation, not the series;
 * {@link VectorMathSimd#siluDerivative}).
 */
final class ActivationGradCpu {
    private ActivationGradCpu() {}

    /** x and gy of one shape, F32 or F64 → contiguous gradient of x's dtype. */
    static Tensor unaryGrad(UnaryOp op, Tensor x, Tensor gy, double p0, double p1) {
        Checks.unaryGrad(op, x, gy);
        DType t = x.dtype();
        Tensor xc = x.contiguous(), gc = gy.to(t).contiguous();
        Tensor out = ElementwiseCpu.newTensor(t, x.shape());
        int n = out.numel(), xo = xc.offset(), go = gc.offset();
        if (t == DType.F32) {
            float[] xs = (float[]) ElementwiseCpu.arr(xc), gs = (float[]) ElementwiseCpu.arr(gc), os = (float[]) ElementwiseCpu.arr(out);
            boolean simd = SimdSupport.ENABLED && ElementwiseSimd.supportsGrad(op);
            Parallel.forBlocks(n, 16384, (first, end) -> {
                int done = simd ? first + ElementwiseSimd.unaryGrad(op, xs, xo + first, gs, go + first, os, first, end - first) : first;
                for (int i = done; i < end; i++) os[i] = (float) (gs[go + i] * op.derivative(xs[xo + i], p0, p1));
            });
        } else {
            double[] xs = (double[]) ElementwiseCpu.arr(xc), gs = (double[]) ElementwiseCpu.arr(gc), os = (double[]) ElementwiseCpu.arr(out);
            Parallel.forBlocks(n, 16384, (first, end) -> {
                for (int i = first; i < end; i++) os[i] = gs[go + i] * op.derivative(xs[xo + i], p0, p1);
            });
        }
        return out;
    }
}
