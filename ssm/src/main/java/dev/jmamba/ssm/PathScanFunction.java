package dev.jmamba.ssm;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.tensor.Tensor;

/**
 * The selective scan along per-group paths ({@link SelectiveScan#scanAlong}) as one autograd node. Inputs in
 * {@link ScanTensors#toArray()} order; one output, out (B, D, L) in u's dtype and in memory order. As
 * {@link SelectiveScanFunction}, a bf16 u makes delta and z bf16 and the node keeps those copies.
 */
final class PathScanFunction implements CustomFunction {
    private final ScanPaths paths;
    private final boolean softplus;

    PathScanFunction(ScanPaths paths, boolean softplus) {
        this.paths = paths;
        this.softplus = softplus;
    }

    @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
        ScanTensors tensors = new ScanTensors(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], softplus).withSequenceType();
        ScanKernels kernels = ScanKernels.forDevice(in[0].device());
        boolean willBackward = false;
        for (int i = 0; i < in.length; i++) willBackward |= ctx.needsInputGrad(i);
        ScanKernels.Forward f = kernels.forwardAlong(paths, tensors, willBackward);
        ctx.put("tensors", tensors);
        ctx.put("kernels", kernels);
        ctx.put("saved", f.saved());
        return new Tensor[] {f.out()};
    }

    @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
        ScanTensors tensors = (ScanTensors) ctx.get("tensors");
        Tensor gradOut = gradOutputs[0];
        if (gradOut == null) {
            gradOut = Tensor.zeros(Autocast.gradientType(tensors.u().dtype()), tensors.u().device(), tensors.delta().shape());
        }
        ScanKernels kernels = (ScanKernels) ctx.get("kernels");
        Tensor[] grads = kernels.backwardAlong(paths, tensors, ctx.get("saved"), gradOut);
        for (int i = 0; i < grads.length; i++) {
            if (!ctx.needsInputGrad(i)) grads[i] = null;
        }
        return grads;
    }
}
