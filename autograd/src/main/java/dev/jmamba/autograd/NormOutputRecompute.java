package dev.jmamba.autograd;

import dev.jmamba.autograd.rules.LinearRules;
import dev.jmamba.autograd.rules.Rule;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.Tensor;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Products that keep a norm's x̂ instead of the norm's output (autocast memory).
 *
 * <p>Under autocast a LayerNorm whose output only products read ({@link Var#layerNormForProducts}) writes a bf16
 * output y = x̂·γ + β computed from the bf16 x̂ it keeps for its own backward. The product after it (in_proj, fc1,
 * out_proj) would keep y too, for its weight gradient: a second activation-sized bf16 tensor. Instead the product
 * keeps nothing new — x̂, γ and β are already held — and its backward rebuilds y from them
 * ({@code Backend.layerNormAffineBf16}: the forward's operations, the same bits), uses it and frees it at once.
 * One elementwise pass per product in backward for one bf16 activation less held from forward to backward
 * (VMamba-T: in_proj, out_proj and fc1 in every block).
 *
 * <p>Recorded only when the norm's node is (it keeps x̂ for the product's backward) and used only while x̂ and the
 * parameters are alive. The norm output must not be written in place before the product (the contract of
 * {@code layerNormForProducts}: only products read it); the rebuild would not see the write.
 *
 * <p>{@code -Djmamba.autocast.recomputeNormOutputs=false} keeps y as before (for A/B measurements).
 */
final class NormOutputRecompute {
    private NormOutputRecompute() {}

    /** How to rebuild a norm output: its x̂ (..., C) bf16 contiguous, γ and β (C) or null. */
    private record Recipe(Tensor xhat, Tensor weight, Tensor bias) {
        /** Whether every tensor the rebuild reads is still alive (x̂ goes with the norm's node after its backward). */
        boolean alive() {
            return !xhat.storage().isReleased() && (weight == null || !weight.storage().isReleased())
                    && (bias == null || !bias.storage().isReleased());
        }

        /** {@code operand}, a view of the (contiguous, offset 0) norm output, on a freshly rebuilt output. */
        Tensor rebuild(Tensor operand) {
            Tensor y = xhat.backend().layerNormAffineBf16(xhat, weight, bias);
            return new Tensor(y.storage(), operand.shape(), operand.strides(), y.offset() + operand.offset());
        }
    }

    /** Norm output storage → recipe. Weak keys: a recipe holds x̂ and the parameters, never the output itself. */
    private static final Map<Storage, Recipe> RECIPES = Collections.synchronizedMap(new WeakHashMap<>());

    private static boolean enabled() {
        return !"false".equals(System.getProperty("jmamba.autocast.recomputeNormOutputs"));
    }

    /** Records that {@code output} (..., C) bf16 = layerNormAffineBf16(xhat, weight, bias) may be rebuilt. */
    static void remember(Tensor output, Tensor xhat, Tensor weight, Tensor bias) {
        if (xhat == null || !enabled() || output.dtype() != DType.BF16 || !output.isContiguous() || output.offset() != 0
                || !xhat.isContiguous() || !java.util.Arrays.equals(output.shape(), xhat.shape())) {
            return;
        }
        RECIPES.put(output.storage(), new Recipe(xhat, weight, bias));
    }

    /**
     * The backward plan of a lowered product a16 @ b16 (bf16 operands) when an operand it keeps is a remembered norm
     * output; null when neither is (the product then keeps its operands as usual).
     *
     * @param keepA whether the product keeps a16 (b wants a gradient), likewise keepB
     */
    static Product product(Tensor a16, Tensor b16, boolean keepA, boolean keepB) {
        if (!enabled()) return null;
        Recipe ra = usable(a16, keepA), rb = usable(b16, keepB);
        return ra == null && rb == null ? null : new Product(a16, b16, ra, rb, keepA, keepB);
    }

    /** The recipe of a kept operand whose x̂ and parameters are still alive (not, e.g., an output reused after the norm's backward); else null. */
    private static Recipe usable(Tensor operand, boolean kept) {
        Recipe r = kept ? RECIPES.get(operand.storage()) : null;
        return r != null && r.alive() ? r : null;
    }

    /** A lowered product whose backward rebuilds the norm output(s) it reads instead of keeping them. */
    record Product(Tensor a16, Tensor b16, Recipe ra, Recipe rb, boolean keepA, boolean keepB) {
        /** What the rule reads: a recipe's x̂ and parameters in place of a norm output, the operand itself otherwise. */
        Tensor[] saved() {
            Tensor[] a = reads(a16, keepA, ra), b = reads(b16, keepB, rb);
            return new Tensor[] {a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]};
        }

        /** {operand or null, x̂, γ, β} of one side. */
        private static Tensor[] reads(Tensor operand, boolean kept, Recipe r) {
            return r == null ? new Tensor[] {kept ? operand : null, null, null, null} : new Tensor[] {null, r.xhat, r.weight, r.bias};
        }

        /**
         * LinearRules.matmul's lowered rule on the rebuilt operands: a is read for b's gradient and b for a's; an
         * operand not read is passed as the forward's view (its released storage is read for shape and layout only).
         */
        Rule rule() {
            return (gy, needs) -> {
                Tensor a = needs[1] && ra != null ? ra.rebuild(a16) : a16;
                Tensor b = needs[0] && rb != null ? rb.rebuild(b16) : b16;
                try {
                    return LinearRules.matmul(a, b, true).backward(gy, needs);
                } finally {
                    if (a != a16) a.storage().release();
                    if (b != b16) b.storage().release();
                }
            };
        }
    }
}
