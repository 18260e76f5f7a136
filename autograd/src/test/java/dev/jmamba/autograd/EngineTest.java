package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The engine: when nodes are recorded, accumulation, seeding, errors, deep graphs. */
class EngineTest {

    @Test
    void nothingIsRecordedWithoutAnInputThatRequiresGrad() {
        Var c = Var.of(randn(1, 3));
        Var y = c.exp().mul(c).sum();
        assertFalse(y.requiresGrad());
        assertNull(y.node);
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("requires a gradient"), e.getMessage());
    }

    @Test
    void nothingIsRecordedInsideNoGradAndBlocksNest() {
        Var x = Var.param(randn(2, 3));
        try (var outer = Autograd.noGrad()) {
            try (var inner = Autograd.noGrad()) {
                assertNull(x.exp().node);
            }
            assertFalse(Autograd.isGradEnabled(), "closing the inner block keeps the outer one");
            Var y = x.mul(x).add(x).sum();
            assertFalse(y.requiresGrad());
            assertNull(y.node);
        }
        assertTrue(Autograd.isGradEnabled());
        assertTrue(x.exp().requiresGrad());
    }

    @Test
    void aVarUsedTwiceGetsTheSumOfBothGradients() {
        Var x = Var.param(Tensor.of(new double[] {1, -2, 3}, 3));
        x.mul(x).add(x).sum().backward();                         // d/dx (x² + x) = 2x + 1
        assertArrayEquals(new double[] {3, -3, 7}, x.grad().toDoubleArray());
    }

    @Test
    void backwardCallsAccumulateUntilZeroGrad() {
        Var x = Var.param(Tensor.of(new double[] {1, 2}, 2));
        Var y = x.mul(3).sum();
        y.backward();
        y.backward();                                             // the graph is kept: run it again
        x.mul(3).sum().backward();                                // and a fresh graph
        assertArrayEquals(new double[] {9, 9}, x.grad().toDoubleArray());
        x.zeroGrad();
        assertNull(x.grad());
        x.mul(3).sum().backward();
        assertArrayEquals(new double[] {3, 3}, x.grad().toDoubleArray());
    }

    @Test
    void detachStopsTheGradient() {
        Var x = Var.param(Tensor.of(new double[] {2, 5}, 2));
        x.detach().mul(x).sum().backward();
        assertArrayEquals(new double[] {2, 5}, x.grad().toDoubleArray());
        assertFalse(x.detach().requiresGrad());
    }

    @Test
    void backwardSeedsAndShapeChecks() {
        Var x = Var.param(randn(3, 2, 3));
        Var y = x.mul(2);
        var e1 = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e1.getMessage().contains("one-element output"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.zeros(DType.F64, y.device(), 3, 2)));
        assertTrue(e2.getMessage().contains("expected a gradient of shape (2, 3), got (3, 2)"), e2.getMessage());
        Tensor seed = randn(4, 2, 3);
        y.backward(seed);
        assertArrayEquals(seed.mul(2).toDoubleArray(), x.grad().toDoubleArray());
        x.zeroGrad();
        x.sum(true, 0, 1).backward();                             // a (1, 1) output is a scalar too
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1}, x.grad().toDoubleArray());
    }

    @Test
    void backwardOnALeafAndGradientsNeverAlias() {
        Var x = Var.param(randn(5, 3)), z = Var.param(randn(6, 3));
        Tensor seed = randn(7, 3);
        x.backward(seed);
        assertNotSame(seed.storage(), x.grad().storage());
        x.zeroGrad();
        x.add(z).backward(seed);                                  // add hands the same tensor to both inputs
        assertNotSame(x.grad().storage(), z.grad().storage());
        assertArrayEquals(seed.toDoubleArray(), z.grad().toDoubleArray());
    }

    /** 20000 chained adds, backward on a thread with a 256 KiB stack: the sort and the walk do not recurse. */
    @Test
    void deepChainsDoNotOverflowTheStack() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Var x = Var.param(Tensor.of(new double[] {1.5}, 1));
        Thread t = new Thread(null, () -> {
            try {
                Var y = x;
                for (int i = 0; i < 20000; i++) y = y.add(x);
                y.sum().backward();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "deep-backward", 256 * 1024);
        t.start();
        t.join();
        if (failure.get() != null) throw new AssertionError(failure.get());
        assertEquals(20001.0, x.grad().item());
    }

    @Test
    void noGradientIsLeftInTheGraphAfterBackward() {
        Var x = Var.param(randn(8, 4));
        Var y = x.exp().mul(x.sin()).sum();
        y.backward();
        for (Node n : Engine.topologicalOrder(y.node)) assertNull(n.takePending());
    }

    /** Gradient accumulation over micro-batches, each in its own Scope (also when a dtype conversion is involved). */
    @Test
    void leafGradientsOutliveTheStepScope() {
        Var w = Var.param(Tensor.of(new double[] {1, 2}, 2));
        Var w32 = Var.param(Tensor.of(new float[] {1, 2}, 2));
        for (int step = 0; step < 2; step++) {
            try (Scope s = Scope.open()) {
                Var c = Var.of(Tensor.of(new double[] {3, 4}, 2));
                w.mul(c).sum().backward();
                w32.mul(c).sum().backward();                      // F64 gradient converted to F32
            }
        }
        assertArrayEquals(new double[] {6, 8}, w.grad().toDoubleArray());
        assertArrayEquals(new float[] {6, 8}, w32.grad().toFloatArray());
    }

    @Test
    void gradientsTakeTheLeafsDtype() {
        Var w = Var.param(Tensor.of(new float[] {1, 2}, 2));
        w.mul(Var.of(Tensor.of(new double[] {0.5, 0.25}, 2))).sum().backward(); // result is F64
        assertEquals(DType.F32, w.grad().dtype());
        assertArrayEquals(new float[] {0.5f, 0.25f}, w.grad().toFloatArray());
    }

    @Test
    void leafOnlyOperationsFailClearly() {
        Var x = Var.param(randn(9, 2));
        Var y = x.exp();
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
        assertThrows(IllegalStateException.class, () -> y.setValue(randn(10, 2)));
        assertThrows(IllegalArgumentException.class, () -> Var.param(Tensor.of(new int[] {1}, 1)));
        var e = assertThrows(IllegalArgumentException.class, () -> x.setValue(randn(11, 3)));
        assertTrue(e.getMessage().contains("expected shape (2,), got (3,)"), e.getMessage());
        Tensor v = randn(12, 2);
        x.setValue(v);
        assertArrayEquals(v.toDoubleArray(), x.value().toDoubleArray());
    }

    @Test
    void gradCheckRejectsInputsItCannotPerturb() {
        assertThrows(IllegalArgumentException.class, () -> GradCheck.check(v -> v[0].exp(), Tensor.randn(1, 3)));    // F32
        assertThrows(IllegalArgumentException.class, () -> GradCheck.check(v -> v[0].exp(), randn(1, 1, 3).expand(4, 3)));
        Tensor base = randn(2, 4, 3);
        assertThrows(IllegalArgumentException.class, () -> GradCheck.check(v -> v[0].add(v[1]), base, base.narrow(0, 0, 4)));
    }

    /** A small two-layer classifier: every parameter's gradient through matmul, bias, gelu, layerNorm, logSoftmax, gather. */
    @Test
    void smallNetworkPassesGradCheck() {
        Tensor labels = Tensor.of(new int[] {2, 0, 1, 2}, 4, 1);
        GradCheck.check(v -> {
            Var h = v[0].matmul(v[1]).add(v[2]).gelu().layerNorm(v[3], null, 1e-5);   // (4, 5)
            Var logits = h.matmul(v[4]);                                                 // (4, 3)
            return logits.logSoftmax(-1).gather(1, labels).mean().neg();
        }, randn(20, 4, 6), randn(21, 6, 5), randn(22, 5), randn(23, 5), randn(24, 5, 3));
    }

    /**
     * Intermediate gradients and the temporaries of each rule are freed during backward: after a
     * chain of 40 ops (each rule makes a temporary: broadcast-then-sum for the (1, 64) scale), the
     * storages still alive that backward created are a handful, not one or two per op.
     */
    @Test
    void backwardFreesIntermediateGradientsAndRuleTemporaries() {
        Var x = Var.param(randn(7, 256, 64));
        Var w = Var.param(randn(8, 1, 64));
        try (Scope step = Scope.open()) {
            Var h = x;
            for (int i = 0; i < 40; i++) h = h.mul(w).tanh();
            Var loss = h.sum();
            int beforeBackward = step.ownedCount();
            int liveBefore = step.liveCount();
            loss.backward();
            int created = step.ownedCount() - beforeBackward;
            int liveAfter = step.liveCount() - liveBefore;
            assertTrue(created > 80, "backward allocates per op: " + created);
            assertTrue(liveAfter <= 4, "storages created by backward still alive: " + liveAfter + " of " + created);
        }
        assertEquals(256 * 64, x.grad().numel());
        assertEquals(64, w.grad().numel());
    }
}
