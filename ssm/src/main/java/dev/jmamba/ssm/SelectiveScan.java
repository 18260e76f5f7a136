package dev.jmamba.ssm;

import dev.jmamba.autograd.CustomOps;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;

/**
 * The selective scan (S6 of [Mamba] Algorithm 2, {@code selective_scan_fn} of mamba_ssm; docs/REFERENCES.md)
 * as a differentiable op:
 * <pre>
 *   dt[b,d,l]  = softplus(delta[b,d,l] + deltaBias[d])         (or without softplus / bias)
 *   h[b,d,l,n] = exp(dt·A[d,n]) · h[b,d,l-1,n] + dt · B[b,g(d),n,l] · u[b,d,l]
 *   y[b,d,l]   = Σ_n C[b,g(d),n,l] · h[b,d,l,n] + D[d] · u[b,d,l]
 *   out        = y · SiLU(z)                                   (when z is given)
 * </pre>
 * One autograd node whose forward and backward are the fused kernels of the tensors' device
 * ({@link ScanKernels}); on the CPU, float64 inputs go through the float64 reference (for gradient
 * checks) and everything else through the fused float32 kernel. Gradients flow to every input
 * that requires one.
 */
public final class SelectiveScan {
    private SelectiveScan() {}

    /** The output and the final hidden state of a scan. */
    public record Result(Var out, Var lastState) {}

    /**
     * Runs the scan.
     *
     * @param u         (B, D, L) input
     * @param delta     (B, D, L) raw step size
     * @param A         (D, N) state matrix diagonal
     * @param B         (B, N, L) or (B, G, N, L); channel d reads group d / (D / G)
     * @param C         same shape as B
     * @param D         (D) skip weight, or null
     * @param z         (B, D, L) gate, or null
     * @param deltaBias (D) step-size bias, or null
     * @param softplus  whether dt = softplus(delta + deltaBias)
     * @return out (B, D, L)
     */
    public static Var scan(Var u, Var delta, Var A, Var B, Var C, Var D, Var z, Var deltaBias, boolean softplus) {
        return scan(u, delta, A, B, C, D, z, deltaBias, softplus, false);
    }

    /**
     * As {@link #scan}; with {@code reverse} the recurrence runs over positions L-1 .. 0, which equals
     * {@code scan(flip(u), flip(delta), A, flip(B), flip(C), D, flip(z), ...)} flipped back along L (the
     * backward direction of Vim) without the flip copies on devices whose kernel reads backwards.
     */
    public static Var scan(Var u, Var delta, Var A, Var B, Var C, Var D, Var z, Var deltaBias, boolean softplus,
                           boolean reverse) {
        check(u, delta, A, B, C, D, z, deltaBias, softplus);
        return CustomOps.apply(new SelectiveScanFunction(softplus, false, reverse), u, delta, A, B, C, D, z, deltaBias)[0];
    }

    /**
     * As {@link #scan} with G groups (B and C (B, G, N, L)), each scanning along its own path through the positions:
     * step l of group g reads and writes memory column {@code paths.column(g, l)} of u, delta, z, B, C and out. Equal
     * to gathering each group's sequences into its path's order, {@link #scan}, and scattering out back; the CUDA
     * kernels read through the table instead (a 2-D map's K scan orders without K reordered copies).
     *
     * @param paths one path per group ({@code paths.groups()} = G, {@code paths.length()} = L)
     * @param u     (B, D, L); with {@code paths.sharedInput()}, (B, D / G, L): one input every group reads (its
     *              gradient sums the groups')
     * @return out (B, D, L), in memory order
     */
    public static Var scanAlong(ScanPaths paths, Var u, Var delta, Var A, Var B, Var C, Var D, Var z, Var deltaBias,
                                boolean softplus) {
        ScanTensors t = new ScanTensors(value(u), value(delta), value(A), value(B), value(C), value(D), value(z),
                value(deltaBias), softplus);
        if (paths == null || paths.groups() != t.shape().groups() || paths.length() != t.shape().length()
                || t.sharedInput() != paths.sharedInput()) {
            throw new JmambaException("selective scan along paths: need " + t.shape().groups() + " paths of "
                    + t.shape().length() + " positions" + (t.sharedInput() ? " for a shared u" : "") + ", got " + paths);
        }
        return CustomOps.apply(SelectiveScanFunction.along(paths, softplus), u, delta, A, B, C, D, z, deltaBias)[0];
    }

    /**
     * As {@link #scan}, also returning the (B, D, N) hidden state after the last position. The state is
     * detached (a constant for inference caches, as in mamba_ssm where its gradient is ignored).
     */
    public static Result scanWithLastState(Var u, Var delta, Var A, Var B, Var C, Var D, Var z, Var deltaBias,
                                           boolean softplus) {
        check(u, delta, A, B, C, D, z, deltaBias, softplus);
        Var[] outs = CustomOps.apply(new SelectiveScanFunction(softplus, true, false), u, delta, A, B, C, D, z, deltaBias);
        return new Result(outs[0], outs[1].detach());
    }

    /**
     * Two scans of the same shape as one node — Vim's two directions, run together (one kernel launch per pass
     * on the GPU). Each array holds one call's eight inputs in {@link #scan} order (u, delta, A, B, C, D, z,
     * deltaBias; D, z and deltaBias may be null); {@code reverseA}/{@code reverseB} as {@link #scan}'s reverse.
     * Equal to two {@link #scan} calls.
     *
     * @return the two outputs (B, D, L)
     */
    public static Var[] scanPair(Var[] a, boolean reverseA, Var[] b, boolean reverseB, boolean softplus) {
        if (a.length != 8 || b.length != 8) throw new JmambaException("scanPair: each call has 8 inputs, got " + a.length + " and " + b.length);
        check(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], softplus);
        check(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], softplus);
        Var[] all = new Var[16];
        System.arraycopy(a, 0, all, 0, 8);
        System.arraycopy(b, 0, all, 8, 8);
        return CustomOps.apply(new ScanPairFunction(softplus, reverseA, reverseB), all);
    }

    /** Validates shapes before any node is recorded, so the error names the argument. */
    private static void check(Var u, Var delta, Var A, Var B, Var C, Var D, Var z, Var deltaBias, boolean softplus) {
        ScanTensors t = new ScanTensors(value(u), value(delta), value(A), value(B), value(C), value(D), value(z),
                value(deltaBias), softplus);
        if (t.sharedInput()) {
            throw new JmambaException("selective scan: u must have shape (B, D, L) like delta " + java.util.Arrays.toString(
                    delta.shape()) + ", got " + java.util.Arrays.toString(u.shape()) + " (a u shared by the groups needs scanAlong)");
        }
    }

    private static dev.jmamba.tensor.Tensor value(Var v) { return v == null ? null : v.value(); }
}
