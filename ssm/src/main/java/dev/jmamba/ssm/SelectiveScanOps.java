package dev.jmamba.ssm;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The selective scan written with autograd ops only and a loop over the sequence — mamba_ssm's
 * {@code selective_scan_ref} in jmamba's vocabulary, with the same signature as {@link SelectiveScan#scan}:
 * <pre>
 *   dt  = softplus(delta + deltaBias)                     (B, D, L)     [Mamba] Algorithm 2
 *   for l in 0 .. L-1:
 *     a   = exp(dt[l] · A)                                (B, D, N)     eq. 4 (zero-order hold)
 *     h   = a · h + dt[l] · B[l] · u[l]                   (B, D, N)     eq. 2a
 *     y[l] = Σ_n C[l] · h                                 (B, D)        eq. 2b
 *   out = (y + D · u) · silu(z)                           (B, D, L)
 * </pre>
 * Its gradients come from autograd, so it checks the hand-written backward passes of the fused kernels
 * from a third side ({@code SelectiveScanOpsTest}); it is slow (a handful of small nodes per position)
 * and meant for reading and testing, never for training.
 */
public final class SelectiveScanOps {
    private SelectiveScanOps() {}

    /**
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
        int batch = u.size(0), channels = u.size(1), length = u.size(2), states = A.size(1);
        Var dt = deltaBias == null ? delta : delta.add(deltaBias.unsqueeze(1));          // (B, D, L)
        if (softplus) dt = dt.softplus();
        Var bRows = perChannel(B, channels), cRows = perChannel(C, channels);         // (B, D, N, L) each
        Var h = Var.of(Tensor.zeros(u.dtype(), u.device(), batch, channels, states));  // (B, D, N), h[-1] = 0
        List<Var> ys = new ArrayList<>();
        for (int l = 0; l < length; l++) {
            Var dtl = dt.narrow(2, l, 1);                                             // (B, D, 1)
            Var a = dtl.mul(A.unsqueeze(0)).exp();                                    // (B, D, N)  a = exp(dt·A)
            Var bu = dtl.mul(bRows.narrow(3, l, 1).squeeze(3)).mul(u.narrow(2, l, 1)); // (B, D, N)  dt·B·u
            h = a.mul(h).add(bu);                                                     // (B, D, N)  h = a·h + bu
            ys.add(h.mul(cRows.narrow(3, l, 1).squeeze(3)).sum(true, 2));           // (B, D, 1)  y = Σ_n C·h
        }
        Var y = Var.cat(2, ys.toArray(Var[]::new));                                    // (B, D, L)
        if (D != null) y = y.add(u.mul(D.unsqueeze(1)));                              // + D·u
        return z == null ? y : y.mul(z.silu());                                        // · silu(z)
    }

    /** (B, N, L) or (B, G, N, L) → (B, D, N, L): channel d gets the rows of its group d / (D / G). */
    private static Var perChannel(Var bc, int channels) {
        Var grouped = bc.rank() == 3 ? bc.unsqueeze(1) : bc;                            // (B, G, N, L)
        int batch = grouped.size(0), groups = grouped.size(1), n = grouped.size(2), len = grouped.size(3);
        return grouped.unsqueeze(2).expand(batch, groups, channels / groups, n, len)   // (B, G, D/G, N, L)
                .reshape(batch, channels, n, len);
    }
}
