package dev.jmamba.ssm;

import dev.jmamba.tensor.Tensor;

/**
 * A reverse scan done with copies: flip every per-position input along L, scan forwards, flip the
 * result (and, in the backward, the per-position gradients) back. Kernels that read positions from
 * the end themselves (the CUDA v6 scan) skip these copies.
 */
final class Reversal {
    private Reversal() {}

    /** What the reversed backward needs: the flipped inputs and the forward's own saved state. */
    record Saved(ScanTensors flipped, Object inner) {}

    /** u, delta, z (B, D, L) and B, C (..., N, L) flipped along their last dim; A, D, deltaBias as they are. */
    static ScanTensors flip(ScanTensors in) {
        return new ScanTensors(last(in.u()), last(in.delta()), in.A(), last(in.B()), last(in.C()), in.D(), last(in.z()),
                in.deltaBias(), in.softplus());
    }

    /** Flips the per-position gradients (u, delta, B, C, z in {@link ScanTensors#toArray()} order) back. */
    static Tensor[] unflipGrads(Tensor[] g) {
        for (int i : new int[] {0, 1, 3, 4, 6}) g[i] = last(g[i]);
        return g;
    }

    private static Tensor last(Tensor t) { return t == null ? null : t.flip(t.rank() - 1); }
}
