package dev.jmamba.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A leaf takes a rule's fresh gradient as its own without a copy (Engine → Var.adoptGradient) only when nothing else
 * holds that tensor: the values stay right when an identity rule hands one tensor to two leaves, when a leaf is used
 * twice (its gradient is summed), and the adopted gradient outlives the step's scope like a copied one.
 */
class GradientAdoptionTest {
    private static Tensor t(double... v) { return Tensor.of(v, v.length).to(DType.F32); }

    @Test void twoLeavesGivenOneIdentityGradientGetTheirOwnTensors() {
        Var a = Var.of(t(1, 2, 3)).requiresGrad(true), b = Var.of(t(4, 5, 6)).requiresGrad(true);
        try (Scope step = Scope.open()) {
            a.add(b).mul(Var.of(t(2, 3, 4))).sum().backward();   // add's rule hands the same gy to a and b
        }
        assertArrayEquals(new float[] {2, 3, 4}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {2, 3, 4}, b.grad().toFloatArray());
        assertNotSame(a.grad().storage(), b.grad().storage(), "add hands both leaves its incoming gradient: neither owns it, each copies");
        a.zeroGrad();
        assertArrayEquals(new float[] {2, 3, 4}, b.grad().toFloatArray(), "releasing one leaf's gradient leaves the other's");
    }

    @Test void anAdoptedGradientOutlivesTheStepAndSumsWithTheNextContribution() {
        Var w = Var.of(t(1, -1, 2)).requiresGrad(true);
        for (int step = 0; step < 2; step++) {
            try (Scope s = Scope.open()) {
                w.mul(Var.of(t(3, 4, 5))).sum().backward();        // mul's rule makes a fresh dw: adopted, then summed into
                w.mul(w).sum().backward();                         // 2w, added to the first
            }
            assertFalse(w.grad().storage().isReleased(), "the leaf's gradient survives the step's scope");
        }
        assertArrayEquals(new float[] {2 * (3 + 2), 2 * (4 - 2), 2 * (5 + 4)}, w.grad().toFloatArray(), "two steps accumulated");
    }
}
