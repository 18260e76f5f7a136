package dev.jmamba.autograd.rules;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.Tensor;

/** Backward rules of matmul and conv2d (conv1d is recorded as unsqueeze, conv2d, squeeze). */
public final class LinearRules {
    private LinearRules() {}

    /**
     * y = a @ b with NumPy semantics. Working on the promoted operands a2 (..., m, k) and
     * b2 (..., k, n): da2 = dy @ b2ᵀ and db2 = a2ᵀ @ dy, each summed over broadcast batch dims
     * back to its operand's shape; 1-D operands are promoted (a: (k) → (1, k), b: (k) → (k, 1))
     * and dy gets the matching size-1 dims.
     */
    public static Rule matmul(Tensor a, Tensor b) {
        boolean va = a.rank() == 1, vb = b.rank() == 1;
        Tensor a2 = va ? a.unsqueeze(0) : a;   // (..., m, k)
        Tensor b2 = vb ? b.unsqueeze(1) : b;   // (..., k, n)
        return (gy, needs) -> {
            Tensor g = gy;
            if (vb) g = g.unsqueeze(g.rank());        // (..., m, 1)
            if (va) g = g.unsqueeze(g.rank() - 1);    // (..., 1, n)
            if (a.rank() == 2 && b.rank() == 2) {
                // each gradient in its operand's layout: a transposed operand gets (op(...)ᵀ)ᵀ, free in cuBLAS,
                // so the gradient that flows on through the transpose view is contiguous again
                Tensor ga = !needs[0] ? null : storedTransposed(a) ? b.matmul(g.transpose(0, 1)).transpose(0, 1) : g.matmul(b.transpose(0, 1));
                Tensor gb = !needs[1] ? null : storedTransposed(b) ? g.transpose(0, 1).matmul(a).transpose(0, 1) : a.transpose(0, 1).matmul(g);
                return new Tensor[] {ga, gb};
            }
            Tensor ga = needs[0] ? g.matmul(b2.transpose(-1, -2)).sumTo(a2.shape()).reshape(a.shape()) : null;
            Tensor gb = needs[1] ? a2.transpose(-1, -2).matmul(g).sumTo(b2.shape()).reshape(b.shape()) : null;
            return new Tensor[] {ga, gb};
        };
    }

    /** Whether a (r, c) matrix view is the transpose of a dense row-major (c, r) matrix (and not itself contiguous). */
    private static boolean storedTransposed(Tensor m) {
        int r = m.size(0), c = m.size(1);
        return r > 1 && c > 1 && m.strides()[0] == 1 && m.strides()[1] == r;
    }

    /**
     * y = conv2d(x, w) + bias: dx and dw come from the backend's transposed-convolution
     * primitives; dbias = dy summed over (N, OH, OW). Inputs: x (N, C, H, W), w (O, C/g, kh, kw), bias (O).
     */
    public static Rule conv2d(Tensor x, Tensor w, ConvParams p) {
        return (gy, needs) -> new Tensor[] {
            needs[0] ? gy.backend().conv2dInputGrad(gy, w, x.shape(), p) : null,
            needs[1] ? gy.backend().conv2dWeightGrad(gy, x, w.shape(), p) : null,
            needs.length > 2 && needs[2] ? gy.sum(false, 0, 2, 3) : null,
        };
    }
}
