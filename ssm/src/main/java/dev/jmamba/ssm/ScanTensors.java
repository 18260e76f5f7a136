package dev.jmamba.ssm;

import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * The tensor inputs of one selective-scan call, checked once. B and C may be given as (B, N, L)
 * (one group, as the Mamba block passes them) or (B, G, N, L); the optional inputs may be null.
 *
 * @param u         (B, D, L) input sequence; or (B, D / G, L), one u that every group reads (only through
 *                  {@link SelectiveScan#scanAlong} with {@link ScanPaths#sharedInput()}: see {@link #sharedInput()})
 * @param delta     (B, D, L) raw step size, before bias and softplus
 * @param A         (D, N) diagonal state matrix (negative in practice)
 * @param B         (B, N, L) or (B, G, N, L) input-dependent B
 * @param C         (B, N, L) or (B, G, N, L) input-dependent C, same shape as B
 * @param D         (D) skip weight, or null
 * @param z         (B, D, L) gate input (output multiplied by SiLU(z)), or null
 * @param deltaBias (D) added to delta before the softplus, or null
 * @param softplus  whether dt = softplus(delta + deltaBias)
 */
public record ScanTensors(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z,
                          Tensor deltaBias, boolean softplus) {

    /** Checks ranks and sizes; the message names the argument, the expected and the actual shape. */
    public ScanTensors {
        require("u", u != null && u.rank() == 3, "(B, D, L)", u);
        require("delta", delta != null && delta.rank() == 3 && delta.size(0) == u.size(0) && delta.size(2) == u.size(2),
                "(B, D, L) with B = " + u.size(0) + ", L = " + u.size(2), delta);
        int b = u.size(0), d = delta.size(1), l = u.size(2);
        require("A", A != null && A.rank() == 2 && A.size(0) == d, "(D, N) with D = " + d, A);
        int n = A.size(1);
        require("B", B != null && (B.rank() == 3 || B.rank() == 4) && B.size(0) == b && B.size(-2) == n && B.size(-1) == l,
                "(B, N, L) or (B, G, N, L) with B = " + b + ", N = " + n + ", L = " + l, B);
        require("C", C != null && Arrays.equals(C.shape(), B.shape()), "the shape of B " + Arrays.toString(B.shape()), C);
        int g = B.rank() == 4 ? B.size(1) : 1;
        if (g < 1 || d % g != 0) {
            throw new JmambaException("selective scan: B has G = " + g + " groups but D = " + d
                    + " channels is not a multiple of G");
        }
        if (u.size(1) != d && u.size(1) * g != d) {
            throw new JmambaException("selective scan: u must have shape (B, D, L) = " + str(b, d, l) + " or, shared by the "
                    + g + " groups, (B, D / G, L) = " + str(b, d / g, l) + ", got " + Arrays.toString(u.shape()));
        }
        if (D != null) require("D", D.rank() == 1 && D.size(0) == d, "(D) = (" + d + ")", D);
        if (z != null) require("z", Arrays.equals(z.shape(), delta.shape()), "(B, D, L) = " + str(b, d, l), z);
        if (deltaBias != null) require("deltaBias", deltaBias.rank() == 1 && deltaBias.size(0) == d, "(D) = (" + d + ")", deltaBias);
    }

    /** The sizes B, D, L, N, G of this call. */
    public ScanShape shape() {
        int g = B.rank() == 4 ? B.size(1) : 1;
        return new ScanShape(u.size(0), delta.size(1), u.size(2), A.size(1), g);
    }

    /** Whether u is one (B, D / G, L) input that every group reads (G > 1), not (B, D, L). */
    public boolean sharedInput() { return u.size(1) != delta.size(1); }

    /**
     * These inputs as the scan reads them: when u is bf16 (a mixed-precision activation), delta and z are rounded
     * to bf16 too, in their layouts — the sequence inputs of one call share u's type, on every device; else this.
     */
    public ScanTensors withSequenceType() {
        if (u.dtype() != DType.BF16) return this;
        return new ScanTensors(u, delta.toPreservingLayout(DType.BF16), A, B, C, D,
                z == null ? null : z.toPreservingLayout(DType.BF16), deltaBias, softplus);
    }

    /** The eight tensors in argument order (u, delta, A, B, C, D, z, deltaBias); absent ones are null. */
    public Tensor[] toArray() { return new Tensor[] {u, delta, A, B, C, D, z, deltaBias}; }

    private static void require(String name, boolean ok, String expected, Tensor actual) {
        if (!ok) {
            throw new JmambaException("selective scan: " + name + " must have shape " + expected + ", got "
                    + (actual == null ? "null" : Arrays.toString(actual.shape())));
        }
    }

    private static String str(int... dims) { return Arrays.toString(dims).replace('[', '(').replace(']', ')'); }
}
