package dev.jmamba.ssm;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.autograd.CustomFunction;
import dev.jmamba.autograd.FunctionContext;
import dev.jmamba.tensor.Tensor;

/**
 * The selective scan as one autograd node (ordinary, reversed, or each group along its path: SelectiveScan.scanAlong). Inputs in {@link ScanTensors#toArray()} order
 * (u, delta, A, B, C, D, z, deltaBias; the last three may be null); outputs: out (B, D, L) in u's dtype and, when
 * asked for, the last state (B, D, N), which is not differentiable. A bf16 u makes delta and z bf16 too
 * ({@link ScanTensors#withSequenceType}, autograd's Autocast policy BF16_IO); the bf16 copies are what the node keeps.
 */
final class SelectiveScanFunction implements CustomFunction {
    private final boolean softplus;
    private final boolean wantLastState;
    private final boolean reverse;
    private final ScanPaths paths;   // null, or the groups' paths of SelectiveScan.scanAlong (no last state, no reverse)

    SelectiveScanFunction(boolean softplus, boolean wantLastState, boolean reverse) {
        this(softplus, wantLastState, reverse, null);
    }

    private SelectiveScanFunction(boolean softplus, boolean wantLastState, boolean reverse, ScanPaths paths) {
        this.softplus = softplus;
        this.wantLastState = wantLastState;
        this.reverse = reverse;
        this.paths = paths;
    }

    /** The scan of each group along its path ({@link ScanKernels#forwardAlong}). */
    static SelectiveScanFunction along(ScanPaths paths, boolean softplus) {
        return new SelectiveScanFunction(softplus, false, false, paths);
    }

    @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
        ScanTensors tensors = new ScanTensors(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], softplus).withSequenceType();
        ScanKernels kernels = ScanKernels.forDevice(in[0].device());
        boolean willBackward = false;
        for (int i = 0; i < in.length; i++) willBackward |= ctx.needsInputGrad(i);
        ScanKernels.Forward f = paths != null ? kernels.forwardAlong(paths, tensors, willBackward)
                                              : kernels.forward(tensors, wantLastState, reverse, willBackward);
        ctx.put("tensors", tensors);
        ctx.put("kernels", kernels);
        ctx.put("saved", f.saved());
        return wantLastState ? new Tensor[] {f.out(), f.lastState()} : new Tensor[] {f.out()};
    }

    @Override public Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs) {
        if (gradOutputs.length > 1 && gradOutputs[1] != null) {
            throw new UnsupportedOperationException("selective scan: the last state is not differentiable "
                    + "(use it for inference caches only; detach it before using it in a loss)");
        }
        ScanTensors tensors = (ScanTensors) ctx.get("tensors");
        Tensor gradOut = gradOutputs[0];
        if (gradOut == null) gradOut = Tensor.zeros(Autocast.gradientType(tensors.u().dtype()), tensors.u().device(), tensors.delta().shape());
        ScanKernels kernels = (ScanKernels) ctx.get("kernels");
        Tensor[] grads = paths != null ? kernels.backwardAlong(paths, tensors, ctx.get("saved"), gradOut)
                                       : kernels.backward(tensors, ctx.get("saved"), gradOut, reverse);
        for (int i = 0; i < grads.length; i++) {
            if (!ctx.needsInputGrad(i)) grads[i] = null;
        }
        return grads;
    }
}
