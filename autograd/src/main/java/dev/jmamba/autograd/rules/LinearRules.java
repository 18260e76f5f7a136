package dev.jmamba.autograd.rules;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;

/** Backward rules of matmul and conv2d (conv1d is recorded as unsqueeze, conv2d, squeeze). */
public final class LinearRules {
    private LinearRules() {}

    /**
     * y = a @ b with NumPy semantics. Working on the promoted operands a2 (..., m, k) and
     * b2 (..., k, n): da2 = dy @ b2ᵀ and db2 = a2ᵀ @ dy, each summed over broadcast batch dims
     * back to its operand's shape; 1-D operands are promoted (a: (k) → (1, k), b: (k) → (k, 1))
     * and dy gets the matching size-1 dims. When b is a 2-D weight applied to a batched a, db
     * is one matmul over the flattened batch (see {@link #weightGrad}).
     */
    public static Rule matmul(Tensor a, Tensor b) {
        return matmul(a, b, a.dtype() == DType.BF16 && b.dtype() == DType.BF16);
    }

    /**
     * As {@link #matmul(Tensor, Tensor)}; {@code lowered}: an autocast product (see autograd's
     * Autocast) — gy is rounded to bf16 and multiplied with the saved bf16 operands (float32
     * results). a is then read only for its shape and layout when only b's gradient is skipped.
     */
    public static Rule matmul(Tensor a, Tensor b, boolean lowered) {
        boolean va = a.rank() == 1, vb = b.rank() == 1;
        Tensor a2 = va ? a.unsqueeze(0) : a;   // (..., m, k)
        Tensor b2 = vb ? b.unsqueeze(1) : b;   // (..., k, n)
        return (gy, needs) -> {
            Tensor g = lowered ? gy.toPreservingLayout(DType.BF16) : gy;  // backward multiplies in bf16 too, in gy's layout
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
            Tensor gb = needs[1] ? (b2.rank() == 2 ? weightGrad(a2, g) : batchedOperandGrad(a2, g, b2)).reshape(b.shape()) : null;
            return new Tensor[] {ga, gb};
        };
    }

    /**
     * The backward of autograd's {@code Var.matmulAfter(act, bias, w)} under autocast: y = bf16(act(pre)) @ w16 with
     * pre (..., n) the saved bf16 pre-activation (x + bias rounded) and w16 (n, out) bf16. Inputs (x, bias, w):
     * dpre = (bf16(gy) @ w16ᵀ) · act'(pre) in float32 gives dx = dpre and dbias = Σ dpre over the rows; dw =
     * bf16(act(pre))ᵀ @ bf16(gy) with the activation recomputed from pre (the forward's exact bf16 values).
     */
    public static Rule matmulAfterBias(UnaryOp act, Tensor pre, Tensor w16, int[] biasShape) {
        return (gy, needs) -> {
            boolean needsPre = needs[0] || needs[1];
            // a is read for w's gradient only; otherwise pre stands in for its shape and layout
            Tensor a = needs[2] ? pre.backend().biasActivationBf16(act, pre, null)[1] : pre;
            Tensor[] g = matmul(a, w16, true).backward(gy, new boolean[] {needsPre, needs[2]});
            if (a != pre) a.storage().release();
            Tensor dpre = needsPre ? pre.backend().activationGradBf16(act, pre, g[0]) : null;   // (..., n) float32
            if (needsPre) g[0].storage().release();
            return new Tensor[] {needs[0] ? dpre : null, needs[1] ? dpre.sumTo(biasShape) : null, g[1]};
        };
    }

    /** Whether a (r, c) matrix view is the transpose of a dense row-major (c, r) matrix (and not itself contiguous). */
    private static boolean storedTransposed(Tensor m) {
        int r = m.size(0), c = m.size(1);
        return r > 1 && c > 1 && m.strides()[0] == 1 && m.strides()[1] == r;
    }

    /**
     * The gradient (k, n) of a 2-D b in y = a2 @ b: Σ over a2's batch dims of a2ᵀ @ g. When a2
     * (..., m, k) has batch dims and they merge with m into one dim without a copy (see
     * {@link #leadingDimsMerge}), this is a single matmul a_flatᵀ (k, M) @ g_flat (M, n) with
     * M = prod(...)·m, instead of a batched matmul writing (..., k, n) and a sum over the batch.
     * Otherwise (a2 2-D, empty, or with batch strides that do not merge) the batched path.
     * g (..., m, n) is reshaped, which copies only when g itself is not mergeable.
     */
    static Tensor weightGrad(Tensor a2, Tensor g) {
        int r = a2.rank(), k = a2.size(-1), n = g.size(-1);
        if (r <= 2 || a2.numel() == 0 || !leadingDimsMerge(a2)) return batchedWeightGrad(a2, g, new int[] {k, g.size(-1)});
        int rows = a2.numel() / k;
        return a2.view(rows, k).transpose(0, 1).matmul(g.reshape(rows, n));
    }

    /**
     * The gradient of a batched b2 (..., k, n) in y = a2 @ b2: Σ over broadcast batch dims of a2ᵀ @ g. When b2 has
     * g's batch dims and each of its matrices is stored transposed (a transposed view of a dense (..., n, k)
     * tensor, e.g. channels-last tokens read as (B, C, L)), computed as (gᵀ @ a2)ᵀ so that the gradient comes back
     * in b2's layout — dense under the same transposed view, the transposes free in the GEMM — instead of as a
     * dense (..., k, n) buffer that the ops before would read transposed.
     */
    static Tensor batchedOperandGrad(Tensor a2, Tensor g, Tensor b2) {
        int r = b2.rank();
        int k = b2.size(-2), n = b2.size(-1);
        boolean sameBatch = java.util.Arrays.equals(java.util.Arrays.copyOf(b2.shape(), r - 2), java.util.Arrays.copyOf(g.shape(), g.rank() - 2));
        boolean transposed = k > 1 && n > 1 && b2.strides()[r - 2] == 1 && b2.strides()[r - 1] == k;
        if (sameBatch && transposed) return g.transpose(-1, -2).matmul(a2).transpose(-1, -2);
        return batchedWeightGrad(a2, g, b2.shape());
    }

    /** Σ over broadcast batch dims of a2ᵀ @ g: a2 (..., m, k), g (..., m, n), summed to {@code target} (..., k, n). */
    static Tensor batchedWeightGrad(Tensor a2, Tensor g, int[] target) {
        return a2.transpose(-1, -2).matmul(g).sumTo(target);
    }

    /**
     * True when dims 0 .. rank-2 of t (its batch dims and m) can be viewed as one dim without a
     * copy: each dim of size > 1 steps by the size × stride of the next such dim.
     */
    static boolean leadingDimsMerge(Tensor t) {
        int[] shape = t.shape(), strides = t.strides();
        long inner = -1;  // stride × size of the nearest dim of size > 1 to the right, -1 before the first
        for (int d = t.rank() - 2; d >= 0; d--) {
            if (shape[d] == 1) continue;
            if (inner >= 0 && strides[d] != inner) return false;
            inner = (long) strides[d] * shape[d];
        }
        return true;
    }

    /**
     * y = conv2d(x, w) + bias: dx and dw come from the backend's transposed-convolution
     * primitives; dbias = dy summed over (N, OH, OW). Inputs: x (N, C, H, W), w (O, C/g, kh, kw), bias (O).
     */
    public static Rule conv2d(Tensor x, Tensor w, ConvParams p) {
        boolean lowered = x.dtype() == DType.BF16 && w.dtype() == DType.BF16;   // autocast's conv: saved bf16 operands
        return (gy, needs) -> {
            // autocast: gy rounded to bf16 (in its layout) for both products, float32 results; the bias sums gy as it is
            Tensor g = lowered && (needs[0] || needs[1]) ? gy.toPreservingLayout(DType.BF16) : gy;
            Tensor[] grads = {
                needs[0] ? gy.backend().conv2dInputGradLike(g, w, x, p) : null,   // in x's layout (x's values unread)
                needs[1] ? gy.backend().conv2dWeightGrad(g, x, w.shape(), p) : null,
                needs.length > 2 && needs[2] ? gy.sum(false, 0, 2, 3) : null,
            };
            if (g != gy) g.storage().release();
            return grads;
        };
    }
}
