package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.BinaryOp;
import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.InterpolateMode;
import dev.jmamba.tensor.MemoryStats;
import dev.jmamba.tensor.Philox;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.ReduceOp;
import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import dev.jmamba.tensor.UnaryOp;
import dev.jmamba.tensor.Updates;

/** The CPU backend: each primitive is a small kernel class in this package. */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    @Override public Device device() { return Device.CPU; }

    @Override public Storage allocate(DType dtype, int size) { return CpuStorage.allocate(dtype, size); }

    @Override public Storage allocateUninitialized(DType dtype, int size) { return CpuStorage.allocateUninitialized(dtype, size); }

    @Override public MemoryStats memoryStats() { return CpuStorage.stats(); }

    @Override public void resetPeakMemory() { CpuStorage.resetPeak(); }

    private static void alive(String op, Tensor... ts) {
        for (Tensor t : ts) if (t != null) t.storage().checkAlive(op);
    }

    @Override public void copy(Tensor src, Tensor dst) {
        alive("copy", src, dst);
        if (!java.util.Arrays.equals(src.shape(), dst.shape())) {
            throw new TensorException.Shape("copy", java.util.Arrays.toString(dst.shape()), java.util.Arrays.toString(src.shape()));
        }
        ElementwiseCpu.copy(src, dst);
    }

    @Override public void fill(Tensor dst, double value) { alive("fill", dst); ElementwiseCpu.fill(dst, value); }

    @Override public void fillRandom(Tensor dst, RandomKind kind, long seed, double a, double b) {
        alive("random", dst);
        Object arr = ElementwiseCpu.arr(dst);
        DType t = dst.dtype();
        int off = dst.offset();
        Parallel.forRange(dst.numel(), 4096, i -> {
            double v = switch (kind) {
                case UNIFORM -> a + (b - a) * Philox.uniform(seed, i);
                case NORMAL -> a + b * Philox.normal(seed, i);
                case TRUNC_NORMAL -> Philox.truncNormal(seed, i, a, b);
            };
            ElementwiseCpu.put(arr, t, off + i, v);
        });
    }

    @Override public void arange(Tensor dst, double start, double step) {
        Object arr = ElementwiseCpu.arr(dst);
        for (int i = 0; i < dst.numel(); i++) ElementwiseCpu.put(arr, dst.dtype(), dst.offset() + i, start + i * step);
    }

    @Override public Tensor unary(UnaryOp op, Tensor x, double p0, double p1) { alive("unary", x); return ElementwiseCpu.unary(op, x, p0, p1); }

    @Override public Tensor unaryGrad(UnaryOp op, Tensor x, Tensor gy, double p0, double p1) {
        alive("unaryGrad", x, gy);
        return ActivationGradCpu.unaryGrad(op, x, gy, p0, p1);
    }

    @Override public Tensor[] biasActivationBf16(UnaryOp op, Tensor x, Tensor bias) {
        alive("biasActivationBf16", x);
        Checks.biasActivationBf16(op, x, bias);
        return Bf16ActivationCpu.biasActivation(op, x, bias);
    }

    @Override public Tensor activationGradBf16(UnaryOp op, Tensor pre, Tensor gy) {
        alive("activationGradBf16", pre, gy);
        Checks.activationGradBf16(op, pre, gy);
        return Bf16ActivationCpu.activationGrad(op, pre, gy);
    }

    @Override public Tensor binary(BinaryOp op, Tensor a, Tensor b) { alive("binary", a, b); return ElementwiseCpu.binary(op, a, b); }

    @Override public Tensor where(Tensor cond, Tensor a, Tensor b) { alive("where", cond, a, b); return ElementwiseCpu.where(cond, a, b); }

    @Override public Tensor reduce(ReduceOp op, Tensor x, boolean[] axes, boolean keepdim) { alive("reduce", x); return ReduceCpu.reduce(op, x, axes, keepdim); }

    @Override public Tensor argReduce(boolean max, Tensor x, int axis, boolean keepdim) { alive("argmax", x); return ReduceCpu.argReduce(max, x, axis, keepdim); }

    @Override public Tensor softmax(Tensor x, int axis, boolean log) { alive("softmax", x); return ReduceCpu.softmax(x, axis, log); }

    @Override public Tensor matmul(Tensor a, Tensor b) { alive("matmul", a, b); return MatmulCpu.matmul(a, b); }

    @Override public Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        alive("conv2d", x, w, bias);
        return ConvCpu.conv2d(widened(x), widened(w), bias, p);
    }

    @Override public Tensor conv2dInputGrad(Tensor gy, Tensor w, int[] xShape, ConvParams p) { return ConvCpu.inputGrad(widened(gy), widened(w), xShape, p); }

    @Override public Tensor conv2dWeightGrad(Tensor gy, Tensor x, int[] wShape, ConvParams p) { return ConvCpu.weightGrad(widened(gy), widened(x), wShape, p); }

    /**
     * A bf16 conv operand (autocast's dense conv) as float32 — exact, so the float32 conv of the
     * widened operands is the product of the rounded values with float32 accumulation, the reference
     * of the GPU's tensor-core conv; any other tensor as it is.
     */
    private static Tensor widened(Tensor t) { return t.dtype() == DType.BF16 ? t.to(DType.F32) : t; }

    @Override public Tensor avgPool2d(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw) { return ResampleCpu.avgPool(x, kh, kw, sh, sw, ph, pw); }

    @Override public Tensor avgPool2dBackward(Tensor gy, int[] xShape, int kh, int kw, int sh, int sw, int ph, int pw) {
        return ResampleCpu.avgPoolBackward(gy, xShape, kh, kw, sh, sw, ph, pw);
    }

    @Override public Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) { return ResampleCpu.adaptiveAvgPool(x, oh, ow); }

    @Override public Tensor adaptiveAvgPool2dBackward(Tensor gy, int[] xShape) { return ResampleCpu.adaptiveAvgPoolBackward(gy, xShape); }

    @Override public Tensor gather(Tensor x, int axis, Tensor index) { return IndexCpu.gather(x, axis, index); }

    @Override public Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src) { return IndexCpu.scatterAdd(target, axis, index, src); }

    @Override public Tensor indexSelect(Tensor x, int axis, Tensor index) { return IndexCpu.indexSelect(x, axis, index); }

    @Override public Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src) { return IndexCpu.indexAdd(target, axis, index, src); }

    @Override public Tensor interpolate(Tensor x, int oh, int ow, InterpolateMode mode, boolean alignCorners) {
        return ResampleCpu.interpolate(x, oh, ow, mode, alignCorners);
    }

    @Override public Tensor interpolateBackward(Tensor gy, int[] xShape, InterpolateMode mode, boolean alignCorners) {
        return ResampleCpu.interpolateBackward(gy, xShape, mode, alignCorners);
    }

    @Override public Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) { return NormCpu.layerNorm(x, weight, bias, eps); }

    @Override public Tensor[] rmsNorm(Tensor x, Tensor weight, double eps) { return NormCpu.rmsNorm(x, weight, eps); }

    @Override public Tensor[] addRmsNorm(Tensor x, Tensor residual, Tensor weight, double eps) {
        alive("addRmsNorm", x, residual, weight);
        return AddRmsNormCpu.forward(x, residual, weight, eps);
    }

    @Override public Tensor[] layerNormBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, boolean inputGrad,
                                                boolean paramGrads) {
        alive("layerNormBackward", gy, x, mean, rstd, weight);
        return LayerNormBackwardCpu.backward(gy, x, mean, rstd, weight, inputGrad, paramGrads);
    }

    @Override public Tensor[] layerNormChannels(Tensor x, Tensor weight, Tensor bias, Tensor scale, Tensor skip, Tensor skipWeight,
                                                double eps) {
        alive("layerNormChannels", x, weight, bias, scale, skip, skipWeight);
        return LayerNormChannelsCpu.forward(x, weight, bias, scale, skip, skipWeight, eps);
    }

    @Override public Tensor[] layerNormChannelsBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias,
                                                        Tensor scale, Tensor skip, Tensor skipWeight, boolean inputGrad,
                                                        boolean paramGrads, boolean scaleGrad, boolean skipGrads) {
        alive("layerNormChannelsBackward", gy, x, mean, rstd, weight, bias, scale, skip, skipWeight);
        return LayerNormChannelsCpu.backward(gy, x, mean, rstd, weight, bias, scale, skip, skipWeight, inputGrad, paramGrads,
                scaleGrad, skipGrads);
    }

    @Override public Tensor[] layerNormGated(Tensor x, Tensor weight, Tensor bias, Tensor z, double eps) {
        alive("layerNormGated", x, weight, bias, z);
        return LayerNormGatedCpu.forward(x, weight, bias, z, eps);
    }

    @Override public Tensor[] layerNormGatedBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias,
                                                     Tensor z, boolean inputGrad, boolean paramGrads, boolean gateGrad) {
        alive("layerNormGatedBackward", gy, x, mean, rstd, weight, bias, z);
        return LayerNormGatedCpu.backward(gy, x, mean, rstd, weight, bias, z, inputGrad, paramGrads, gateGrad);
    }

    @Override public Tensor depthwiseConv2dSilu(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        dev.jmamba.tensor.Checks.depthwiseConv(x, w, bias, p);
        if (x.dtype() == DType.BF16) {                           // autocast's activations: float32 inside, y rounded once
            Tensor x32 = x.to(DType.F32), y32 = depthwiseConv2dSilu(x32, w, bias, p), y = y32.to(DType.BF16);
            x32.storage().release();
            y32.storage().release();
            return y;
        }
        Tensor pre = conv2d(x, w, bias, p);                     // the unfused composition (the reference)
        Tensor y = pre.silu();
        pre.storage().release();
        return y;
    }

    @Override public Tensor depthwiseConv2dSiluGrad(Tensor gy, Tensor x, Tensor w, Tensor bias, ConvParams p) {
        dev.jmamba.tensor.Checks.depthwiseConv(x, w, bias, p);
        Tensor pre = conv2d(x, w, bias, p);
        Tensor g = unaryGrad(dev.jmamba.tensor.UnaryOp.SILU, pre, gy, 0, 0);
        pre.storage().release();
        return g;
    }

    @Override public Tensor[] addRmsNormBackward(Tensor gy, Tensor gSum, Tensor sum, Tensor rstd, Tensor weight, boolean weightGrad) {
        alive("addRmsNormBackward", gy, gSum, sum, rstd, weight);
        return AddRmsNormCpu.backward(gy, gSum, sum, rstd, weight, weightGrad);
    }

    @Override public void adamwUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2,
                                      double eps, double weightDecay, double biasCorrection1, double biasCorrection2) {
        Updates.AdamwFactors f = Updates.AdamwFactors.of(param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay,
                biasCorrection1, biasCorrection2);
        OptimCpu.adamw(param, grad, expAvg, expAvgSq, f);
    }

    @Override public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuf, double lr, double momentum, double dampening,
                                    double weightDecay, boolean nesterov, boolean firstStep) {
        Updates.SgdFactors f = Updates.SgdFactors.of(param, grad, momentumBuf, lr, momentum, dampening, weightDecay, nesterov, firstStep);
        OptimCpu.sgd(param, grad, momentumBuf, f);
    }

    @Override public void adamwUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor factors) {
        Checks.updateOperands("adamwUpdate", param, new String[] {"grad", "expAvg", "expAvgSq"}, grad, expAvg, expAvgSq);
        Updates.checkFactors("adamwUpdate", param, factors, Updates.AdamwFactors.COUNT);
        Updates.AdamwFactors f = Updates.AdamwFactors.fromValues(factors.toDoubleArray());
        if (Double.isNaN(f.stepSize())) return;   // the step was called off on the device (see Updates)
        OptimCpu.adamw(param, grad, expAvg, expAvgSq, f);
    }

    @Override public void sumOfSquaresInto(java.util.List<Tensor> xs, Tensor out) {
        double[] o = (double[]) ElementwiseCpu.arr(out);
        for (int t = 0; t < xs.size(); t++) {
            Tensor x = xs.get(t);
            double s = 0;
            int n = x.numel(), off = x.offset();
            if (x.dtype() == DType.F32) {
                float[] a = (float[]) ElementwiseCpu.arr(x);
                for (int i = 0; i < n; i++) {
                    double v = a[off + i];
                    s += v * v;
                }
            } else {
                double[] a = (double[]) ElementwiseCpu.arr(x);
                for (int i = 0; i < n; i++) s += a[off + i] * a[off + i];
            }
            o[out.offset() + t] = s;
        }
    }

    @Override public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuf, Tensor factors, boolean decayed, boolean nesterov,
                                    boolean firstStep) {
        Updates.SgdFactors.checkOperands(param, grad, momentumBuf, nesterov);
        Updates.checkFactors("sgdUpdate", param, factors, Updates.SgdFactors.COUNT);
        Updates.SgdFactors f = Updates.SgdFactors.fromValues(factors.toDoubleArray(), decayed, momentumBuf != null, nesterov, firstStep);
        if (Double.isNaN(f.lr())) return;   // the step was called off on the device (see Updates)
        OptimCpu.sgd(param, grad, momentumBuf, f);
    }
}
