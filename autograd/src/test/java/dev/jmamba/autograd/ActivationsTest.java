package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.MemoryStats;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Regions free what backward does not read, keep what it does, and change no gradient. */
class ActivationsTest {

    /** y = sum(exp(x * 2 + 1) * x): the affine result is a temporary, exp's output and x are saved. */
    private static Var body(Var x, List<Tensor> seen) {
        Var affine = x.mul(2.0).add(1.0);
        Var e = affine.exp();
        seen.add(affine.value());
        seen.add(e.value());
        return e.mul(x).sum();
    }

    @Test
    void aRegionReleasesTemporariesAndKeepsSavedTensorsAndTheResult() {
        try (Scope step = Scope.open()) {
            Var x = Var.param(randn(1, 4, 5));
            List<Tensor> seen = new ArrayList<>();
            Var y = Activations.region(() -> body(x, seen));
            assertTrue(seen.get(0).storage().isReleased(), "x*2+1 feeds only exp, whose backward reads exp's output");
            assertFalse(seen.get(1).storage().isReleased(), "exp's output is saved by exp and by the mul");
            assertFalse(y.value().storage().isReleased(), "the result survives");
            y.backward();
            assertTrue(x.grad() != null);
        }
    }

    @Test
    void gradientsAreTheSameWithAndWithoutRegionsNested() {
        Tensor x0 = randn(2, 3, 7);
        Var a = Var.param(x0.copy());
        body(a, new ArrayList<>()).backward();
        Var b = Var.param(x0.copy());
        try (Scope step = Scope.open()) {
            Var y = Activations.region(() -> Activations.region(() -> body(b, new ArrayList<>())).mul(3.0));
            y.backward();
        }
        double[] ga = a.grad().toDoubleArray(), gb = b.grad().toDoubleArray();
        for (int i = 0; i < ga.length; i++) assertEquals(3 * ga[i], gb[i], 1e-6 * Math.abs(ga[i]) + 1e-6);
    }

    @Test
    void withoutGradNothingIsSavedSoOnlyTheResultSurvives() {
        try (Scope step = Scope.open(); var off = Autograd.noGrad()) {
            Var x = Var.of(randn(4, 3, 3));
            List<Tensor> seen = new ArrayList<>();
            Activations.region(() -> body(x, seen));
            assertTrue(seen.get(0).storage().isReleased());
            assertTrue(seen.get(1).storage().isReleased());
        }
    }

    @Test
    void regionsHalveWhatAChainKeepsAlive() {
        // twenty layers of y = tanh(y * w): each layer's product is a temporary (tanh saves its output,
        // mul saves its input and w), so regions keep one tensor per layer where plain code keeps two
        int plain = liveAfterForward(false), regions = liveAfterForward(true);
        assertEquals(2 * 20 + 1, plain, "input + (product, tanh) per layer");
        assertEquals(20 + 1, regions, "input + tanh per layer");
    }

    private static int liveAfterForward(boolean useRegions) {
        Var w = Var.param(randn(5, 64, 64));
        try (Scope step = Scope.open()) {
            Var y = Var.of(randn(6, 64, 64));
            for (int i = 0; i < 20; i++) {
                Var in = y;
                y = useRegions ? Activations.region(() -> in.mul(w).tanh()) : in.mul(w).tanh();
            }
            int live = step.liveCount();
            y.sum().backward();
            return live;
        }
    }

    @Test
    void cpuMemoryStatsCountAllocationsAndReleases() {
        var backend = Backends.of(Device.CPU);
        backend.resetPeakMemory();
        long bytes = 8L * 1000 * 1000;
        try (Scope step = Scope.open()) {
            Tensor big = Tensor.zeros(dev.jmamba.tensor.DType.F64, Device.CPU, 1000, 1000);
            MemoryStats m = backend.memoryStats();
            assertTrue(m.peakAllocatedBytes() >= bytes && m.allocatedBytes() >= bytes, m.toString());
            assertEquals(m.allocatedBytes(), m.reservedBytes(), "the CPU reserves what it allocates");
            long withBig = m.allocatedBytes();
            big.storage().release();
            assertTrue(backend.memoryStats().allocatedBytes() <= withBig - bytes + 1_000_000,
                    "a release gives the bytes back at once (other threads may allocate a little meanwhile)");
        }
    }

    @Test
    void savedMemoryCountsEachStorageOnceAndLeavesOutExcludedOnes() {
        try (Scope step = Scope.open()) {
            Var w = Var.param(randn(7, 8, 8));
            Var x = Var.of(randn(8, 4, 8));
            Var h = x.matmul(w).tanh();                     // matmul saves x (for w's grad); tanh saves h
            Var loss = h.mul(h).sum();                      // mul saves h again (same storage)
            Map<String, Long> byOp = SavedMemory.byOp(loss, Set.<Storage>of());
            long f64 = 8;                                   // Fixtures.randn is float64
            assertEquals(f64 * 4 * 8, byOp.get("matmul"));
            assertEquals(f64 * 4 * 8, byOp.get("tanh"));
            assertFalse(byOp.containsKey("mul"), "h is counted once, for tanh: " + byOp);
            Var p = Var.param(randn(9, 2, 3));
            Map<String, Long> withParam = SavedMemory.byOp(p.matmul(Var.of(randn(10, 3, 2))).matmul(p).sum(),
                    Set.of(p.value().storage()));
            assertEquals(Map.of("matmul", f64 * 3 * 2 + f64 * 2 * 2), withParam,
                    "the constant (3, 2) and the product (2, 2) are saved; the excluded parameter is not");
        }
    }
}
