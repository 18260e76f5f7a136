package dev.jmamba.ssm;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.tensor.Tensor;

/**
 * Two selective scans of the same shape as one autograd node (Vim's forward and backward directions):
 * inputs are the eight tensors of the first call then the eight of the second (ScanTensors order), outputs
 * the two outputs (B, D, L). The device's {@link ScanKernels#forwardPair} runs them together (one kernel
 * launch per pass on the GPU).
 */
final class ScanPairFunction implements CustomFunction {
    private final boolean softplus;
    private final boolean reverseA;
    private final boolean reverseB;

    ScanPairFunction(boolean softplus, boolean reverseA, boolean reverseB) {
        this.softplus = softplus;
        this.reverseA = reverseA;
        this.reverseB = reverseB;
    }

    private ScanTensors call(Tensor[] in, int at) {
        return new ScanTensors(in[at], in[at + 1], in[at + 2], in[at + 3], in[at + 4], in[at + 5], in[at + 6], in[at + 7], softplus)
                .withSequenceType();
    }

    @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
        ScanTensors a = call(in, 0), b = call(in, 8);
        boolean willBackward = false;
        for (int i = 0; i < in.length; i++) willBackward |= ctx.needsInputGrad(i);
        ScanKernels kernels = ScanKernels.forDevice(in[0].device());
        ScanKernels.Forward[] f = kernels.forwardPair(a, reverseA, b, reverseB, willBackward);
        ctx.put("a", a);
        ctx.put("b", b);
        ctx.put("kernels", kernels);
        ctx.put("savedA", f[0].saved());
        ctx.put("savedB", f[1].saved());
        return new Tensor[] {f[0].out(), f[1].out()};
    }

    @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
        ScanTensors a = ctx.get("a"), b = ctx.get("b");
        Tensor ga = gradOutputs[0], gb = gradOutputs[1];
        if (ga == null) ga = Tensor.zeros(Autocast.gradientType(a.u().dtype()), a.u().device(), a.u().shape());
        if (gb == null) gb = Tensor.zeros(Autocast.gradientType(b.u().dtype()), b.u().device(), b.u().shape());
        ScanKernels kernels = ctx.get("kernels");
        Tensor[][] g = kernels.backwardPair(a, ctx.get("savedA"), ga, reverseA, b, ctx.get("savedB"), gb, reverseB);
        Tensor[] grads = new Tensor[16];
        for (int i = 0; i < 8; i++) {
            grads[i] = ctx.needsInputGrad(i) ? g[0][i] : null;
            grads[8 + i] = ctx.needsInputGrad(8 + i) ? g[1][i] : null;
        }
        return grads;
    }
}
