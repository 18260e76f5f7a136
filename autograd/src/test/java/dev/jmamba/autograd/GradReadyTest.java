package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link GradReadyListener}: once per pass and leaf, after the leaf's last contribution, while the
 * rest of backward still runs; also for leaves the graph reaches without giving them a gradient;
 * never for leaves it does not reach; with activation checkpointing, declared or not.
 */
class GradReadyTest {
    private long seed = 1;

    /** A fresh seeded random tensor of this shape. */
    private Tensor rnd(int... shape) {
        return randn(seed++, shape);
    }

    /** What each report saw: the leaf, its gradient at that moment (null: none), and the other leaves' gradients then. */
    private record Report(Var leaf, double[] grad, Map<Var, Boolean> othersHadGrad) {}

    private static final class Recorder {
        final List<Report> reports = new ArrayList<>();
        final List<Var> watched = new ArrayList<>();

        Recorder watch(Var... leaves) {
            for (Var v : leaves) {
                watched.add(v);
                v.onGradReady(leaf -> {
                    Map<Var, Boolean> others = new IdentityHashMap<>();
                    for (Var w : watched) others.put(w, w.grad() != null);
                    reports.add(new Report(leaf, leaf.grad() == null ? null : leaf.grad().toDoubleArray(), others));
                });
            }
            return this;
        }

        List<Var> order() {
            return reports.stream().map(Report::leaf).toList();
        }

        Report of(Var v) {
            Report found = null;
            for (Report r : reports) {
                if (r.leaf() == v) {
                    assertNull(found, "reported twice in one pass: " + v);
                    found = r;
                }
            }
            return found;
        }
    }

    @Test
    void aChainReportsFromTheOutputBackWhileBackwardIsStillRunning() {
        Var x = Var.of(rnd(4, 3));
        Var w1 = Var.param(rnd(3)), w2 = Var.param(rnd(3)), w3 = Var.param(rnd(3));
        Recorder rec = new Recorder().watch(w1, w2, w3);
        x.mul(w1).tanh().mul(w2).tanh().mul(w3).sum().backward();
        assertEquals(List.of(w3, w2, w1), rec.order(), "the last layer's gradient is final first");
        assertTrue(!rec.of(w3).othersHadGrad().get(w1), "w3 was reported before backward reached w1: the report overlaps backward");
        for (Var w : List.of(w1, w2, w3)) assertArrayEquals(w.grad().toDoubleArray(), rec.of(w).grad(), 0, "the reported gradient is the final one");
    }

    @Test
    void aLeafUsedSeveralTimesIsReportedOnceAfterItsLastUse() {
        Var x = Var.of(rnd(5));
        Var w = Var.param(rnd(5)), v = Var.param(rnd(5));
        Recorder rec = new Recorder().watch(w, v);
        // w is used near the output and near the input; v only in the middle
        Var h = x.mul(w).tanh();
        h = h.mul(v).add(w.mul(w)).sigmoid();
        h.mul(w).sum().backward();
        assertEquals(2, rec.reports.size());
        assertEquals(List.of(v, w), rec.order(), "w's first use (near the input) is visited after v's node");
        assertArrayEquals(w.grad().toDoubleArray(), rec.of(w).grad(), 0, "all three contributions were in when w was reported");
        assertArrayEquals(v.grad().toDoubleArray(), rec.of(v).grad(), 0);
    }

    @Test
    void everyPassReportsAgainAndAClosedRegistrationStops() {
        Var w = Var.param(Tensor.of(new double[] {1, 2}, 2));
        List<double[]> seen = new ArrayList<>();
        GradReadyListener.Registration reg = w.onGradReady(leaf -> seen.add(leaf.grad().toDoubleArray()));
        Var y = w.mul(3).sum();
        y.backward();
        y.backward();                                          // gradients accumulate: the second report sees the sum
        assertEquals(2, seen.size());
        assertArrayEquals(new double[] {3, 3}, seen.get(0), 0);
        assertArrayEquals(new double[] {6, 6}, seen.get(1), 0);
        reg.close();
        y.backward();
        assertEquals(2, seen.size(), "no report after close");
    }

    @Test
    void aLeafTheGraphReachesWithoutAGradientIsReportedWithItsGradientUnchanged() {
        Var x = Var.param(rnd(3)), w = Var.param(rnd(3)), unused = Var.param(rnd(3));
        CustomFunction firstOnly = new CustomFunction() {          // gradient for input 0, none for input 1
            @Override public Tensor[] forward(FunctionContext ctx, Tensor... in) {
                return new Tensor[] {in[0].mul(in[1])};
            }

            @Override public Tensor[] backward(FunctionContext ctx, Tensor... gy) {
                return new Tensor[] {gy[0], null};
            }
        };
        Recorder rec = new Recorder().watch(x, w, unused);
        CustomOps.apply(firstOnly, x, w)[0].sum().backward();
        assertEquals(2, rec.reports.size(), "x and w, not the leaf the graph never reaches");
        assertNull(rec.of(w).grad(), "w is reported though no gradient reached it");
        assertNull(rec.of(unused));
        assertNull(w.grad());
    }

    @Test
    void aRootThatIsALeafIsReportedOnce() {
        Var w = Var.param(rnd(2));
        Recorder rec = new Recorder().watch(w);
        w.backward(Tensor.of(new double[] {1, 5}, 2));
        assertEquals(List.of(w), rec.order());
        assertArrayEquals(new double[] {1, 5}, rec.of(w).grad(), 0);
    }

    /** x → head (w0) ← segment(w1, w2, second output unused) ← stem (w3): checkpointed with the segment's leaves declared. */
    @Test
    void aDeclaredRecomputedSegmentReportsItsLeavesWhenItHasRunAndTheOthersEarly() {
        Var x = Var.of(rnd(4, 3));
        Var w0 = Var.param(rnd(3)), w1 = Var.param(rnd(3)), w2 = Var.param(rnd(3)), w3 = Var.param(rnd(3)), w4 = Var.param(rnd(3));
        Recorder rec = new Recorder().watch(w0, w1, w2, w3, w4);
        Var stem = x.mul(w3).tanh();
        Var[] seg = Recompute.applyAll(new Var[] {stem}, in -> new Var[] {in[0].mul(w1).tanh().mul(w2), in[0].mul(w4)}, null, List.of(w1, w2, w4));
        seg[0].mul(w0).sum().backward();                      // seg[1] unused: w4 is reached (declared) but gets no gradient
        List<Var> order = rec.order();
        assertEquals(w0, order.get(0), "the head first");
        assertEquals(java.util.Set.of(w1, w2, w4), java.util.Set.copyOf(order.subList(1, 4)), "the segment's leaves once it has run");
        assertEquals(w3, order.get(4), "the stem last");
        assertTrue(!rec.of(w0).othersHadGrad().get(w1), "w0 was reported before the segment was recomputed");
        assertNull(rec.of(w4).grad());
        for (Var w : List.of(w0, w1, w2, w3)) assertArrayEquals(w.grad().toDoubleArray(), rec.of(w).grad(), 0);

        Var[] plainGrads = plainGradients(x, w0, w1, w2, w3);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(plainGrads[i].value().toDoubleArray(), new Var[] {w0, w1, w2, w3}[i].grad().toDoubleArray(), 0, "the same gradients");
        }
    }

    /** The graph of the test above without checkpointing, on copies of the leaves: their gradients, as constants. */
    private static Var[] plainGradients(Var x, Var... ws) {
        Var[] c = new Var[ws.length];
        for (int i = 0; i < ws.length; i++) c[i] = Var.param(ws[i].value().copy());
        x.mul(c[3]).tanh().mul(c[1]).tanh().mul(c[2]).mul(c[0]).sum().backward();
        Var[] g = new Var[ws.length];
        for (int i = 0; i < ws.length; i++) g[i] = Var.of(c[i].grad());
        return g;
    }

    @Test
    void anUndeclaredSegmentHoldsEveryReportBackUntilItHasRun() {
        Var x = Var.of(rnd(4, 3));
        Var w0 = Var.param(rnd(3)), w1 = Var.param(rnd(3)), w3 = Var.param(rnd(3));
        Recorder rec = new Recorder().watch(w0, w1, w3);
        Var stem = x.mul(w3).tanh();
        Var seg = Recompute.apply(stem, in -> in.mul(w1).tanh(), null);
        seg.mul(w0).sum().backward();
        assertEquals(3, rec.reports.size());
        assertTrue(rec.of(w0).othersHadGrad().get(w1), "w0 waited for the segment: it might have reached w0");
        assertTrue(rec.of(w1).grad() != null);
        for (Var w : List.of(w0, w1, w3)) assertArrayEquals(w.grad().toDoubleArray(), rec.of(w).grad(), 0);
    }

    @Test
    void aSegmentReachingAnUndeclaredLeafThatWasAlreadyReportedFails() {
        Var x = Var.of(rnd(4, 3));
        Var w = Var.param(rnd(3));
        w.onGradReady(leaf -> {});
        Var seg = Recompute.applyAll(new Var[] {x.mul(2).add(0)}, in -> new Var[] {in[0].mul(w)}, null, List.of())[0];
        Var loss = seg.sum().mul(w.sum());                    // w is also used after the segment, so it is reported before it
        var e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("after its gradient was reported final"), e.getMessage());
    }
}
