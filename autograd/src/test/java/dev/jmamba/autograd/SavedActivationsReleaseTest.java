package dev.jmamba.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Sequential;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Saved activations internal to an {@link Activations#region} are freed during backward, once the nodes that saved
 * them ran theirs (Engine): gradients are unchanged, a region's result and its inputs survive, and a second
 * backward through the same graph fails with a message that says why.
 */
class SavedActivationsReleaseTest {
    /** linear → GELU → linear; remembers the GELU's input (saved by the GELU node, allocated inside the block). */
    private static final class Block extends Layer {
        final Linear fc1 = register("fc1", new Linear(6, 10, true, 1));
        final Linear fc2 = register("fc2", new Linear(10, 6, true, 2));
        Var inner;

        @Override public Var forward(Var x) {
            inner = fc1.forward(x);
            return fc2.forward(inner.gelu());
        }
    }

    private static Tensor input() {
        double[] v = new double[4 * 6];
        for (int i = 0; i < v.length; i++) v[i] = Math.sin(0.7 * i);
        return Tensor.of(v, 4, 6).to(DType.F32);
    }

    @Test void innerSavedActivationsAreFreedByBackwardAndGradientsAreUnchanged() {
        Block a = new Block(), b = new Block();
        Sequential seq = new Sequential(a, b);
        try (Scope step = Scope.open()) {
            Var x = Var.of(input()).requiresGrad(true);
            Var mid = Activations.region(() -> a.forward(x));   // the first block's result: lives on
            Var y = seq.forward(x);
            Var loss = y.mul(y).sum();
            assertFalse(a.inner.value().storage().isReleased(), "kept for backward after the forward");
            loss.backward();
            assertTrue(a.inner.value().storage().isReleased(), "freed once the GELU's backward ran");
            assertTrue(b.inner.value().storage().isReleased());
            assertFalse(y.value().storage().isReleased(), "the model's result is not an internal activation");
            assertFalse(mid.value().storage().isReleased(), "a region's result lives on");
            float[] gx = x.grad().toFloatArray(), gw = a.fc1.weight().var().grad().toFloatArray();

            a.zeroGrad();
            b.zeroGrad();
            Var x2 = Var.of(input()).requiresGrad(true);
            Var y2 = b.forward(a.forward(x2));                 // no regions: nothing is freed early
            y2.mul(y2).sum().backward();
            assertFalse(a.inner.value().storage().isReleased());
            assertArrayEquals(x2.grad().toFloatArray(), gx, "same input gradient");
            assertArrayEquals(a.fc1.weight().var().grad().toFloatArray(), gw, "same weight gradient");

            var twice = assertThrows(JmambaException.class, loss::backward);
            assertTrue(twice.getMessage().contains("second backward through the same graph"), twice.getMessage());
        }
    }
}
