package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.positive;
import static dev.jmamba.autograd.Fixtures.randn;

import dev.jmamba.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Gradchecks on seeded random shapes: broadcast pairs for the binary ops, random ranks and axis
 * sets for the reductions, random batch shapes for matmul. Inputs of rank >= 2 are made
 * non-contiguous at random (a transposed view).
 */
class RandomShapeGradTest {
    private static final int CASES = 6;

    /** A random shape of rank [1, 3] with sizes [1, 4]. */
    private static int[] shape(SplittableRandom rnd, int minRank) {
        int[] s = new int[minRank + rnd.nextInt(4 - minRank)];
        for (int i = 0; i < s.length; i++) s[i] = 1 + rnd.nextInt(4);
        return s;
    }

    /** x with the given shape, as a transposed view when rank >= 2 and the coin says so. */
    private static Tensor input(SplittableRandom rnd, Tensor contiguous) {
        int r = contiguous.rank();
        if (r < 2 || rnd.nextBoolean()) return contiguous;
        int[] s = contiguous.shape();
        int[] swapped = s.clone();
        swapped[0] = s[r - 1];
        swapped[r - 1] = s[0];
        return contiguous.reshape(swapped).transpose(0, r - 1); // same shape, first and last strides swapped
    }

    /** Drops some dims of {@code s} (broadcast as size 1 or missing leading dims). */
    private static int[] broadcastPartner(SplittableRandom rnd, int[] s) {
        int drop = rnd.nextInt(s.length);
        int[] p = java.util.Arrays.copyOfRange(s, drop, s.length);
        for (int i = 0; i < p.length; i++) if (rnd.nextInt(3) == 0) p[i] = 1;
        return p;
    }

    @Test
    void binaryOpsOnRandomBroadcastShapes() {
        SplittableRandom rnd = new SplittableRandom(101);
        for (int c = 0; c < CASES; c++) {
            int[] sa = shape(rnd, 1), sb = broadcastPartner(rnd, sa);
            Tensor a = input(rnd, randn(rnd.nextLong(), sa)), b = input(rnd, randn(rnd.nextLong(), sb));
            Tensor bPos = input(rnd, positive(rnd.nextLong(), sb));
            GradCheck.check(v -> v[0].add(v[1]).mul(v[0]).sub(v[1]), a, b);
            GradCheck.check(v -> v[1].div(v[0]).maximum(v[1].minimum(v[0])), bPos, a);
            GradCheck.check(v -> Var.where(v[0].value().gt(Tensor.scalar(0, v[0].dtype(), v[0].device())), v[0], v[1]), a, b);
        }
    }

    @Test
    void reductionsOnRandomShapesAndAxes() {
        SplittableRandom rnd = new SplittableRandom(202);
        for (int c = 0; c < CASES; c++) {
            int[] s = shape(rnd, 1);
            Tensor x = input(rnd, randn(rnd.nextLong(), s));
            java.util.Set<Integer> seen = new java.util.HashSet<>();        // distinct dims, some given as negative axes
            int[] ax = rnd.ints(1 + rnd.nextInt(s.length), -s.length, s.length).filter(a -> seen.add(a < 0 ? a + s.length : a)).toArray();
            boolean keep = rnd.nextBoolean();
            int axis = ax[0];
            for (Function<Var, Var> f : java.util.List.<Function<Var, Var>>of(
                    v -> v.sum(keep, ax), v -> v.mean(keep, ax), v -> v.max(keep, ax), v -> v.min(keep, ax),
                    v -> v.var(true, keep, ax), v -> v.softmax(axis), v -> v.logSoftmax(axis))) {
                GradCheck.check(Fixtures.op(f), x);
            }
        }
    }

    @Test
    void matmulOnRandomBatchShapes() {
        SplittableRandom rnd = new SplittableRandom(303);
        for (int c = 0; c < CASES; c++) {
            int m = 1 + rnd.nextInt(4), k = 1 + rnd.nextInt(4), n = 1 + rnd.nextInt(4);
            int[] batch = shape(rnd, 1), batchB = broadcastPartner(rnd, batch);
            int[] sa = concat(batch, m, k), sb = concat(batchB, k, n);
            GradCheck.check(v -> v[0].matmul(v[1]), input(rnd, randn(rnd.nextLong(), sa)), input(rnd, randn(rnd.nextLong(), sb)));
        }
    }

    private static int[] concat(int[] head, int... tail) {
        int[] s = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, s, head.length, tail.length);
        return s;
    }
}
