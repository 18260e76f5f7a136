package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.ReduceOp;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.Ref;
import dev.jmamba.tensor.testing.TensorAssert;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The column reduction's planning and index math, checked on the CPU: which layouts take the
 * column kernel, how rows are split, and a plain-Java walk of reduce_columns / reduce_splits
 * (the same block, lane, split and tree order as reduce.cu) over random views, compared with the
 * float64 reference; every (outer, row, column) element must be read exactly once.
 */
class ColumnReducePlanTest {
    /** H100: 132 SMs × 8 blocks × 256 threads. */
    private static final long H100_THREADS = 132L * 8 * 256;

    private static boolean[] flags(int rank, int... axes) {
        boolean[] f = new boolean[rank];
        for (int a : axes) f[a] = true;
        return f;
    }

    private static ColumnReducePlan contiguous(int[] shape, int... axes) {
        return ColumnReducePlan.of(shape, Shapes.contiguousStrides(shape), flags(shape.length, axes));
    }

    @Test
    void leadingAndMiddleAxesOfContiguousTensorsBecomeColumns() {
        // (B, L, C) over (0, 1): one outer, B·L rows, C columns
        assertEquals(new ColumnReducePlan(1, 8 * 196, 192, 0, 192, 32, 8), contiguous(new int[] {8, 196, 192}, 0, 1));
        // a batched weight gradient (B, k, n) over 0: B rows of k·n columns
        assertEquals(new ColumnReducePlan(1, 128, 192 * 768, 0, 192 * 768, 32, 8), contiguous(new int[] {128, 192, 768}, 0));
        // (O, R, I) over 1, size-1 dims anywhere are ignored
        assertEquals(new ColumnReducePlan(6, 5, 7, 35, 7, 8, 8), contiguous(new int[] {2, 1, 3, 5, 1, 7}, 1, 3, 4));
        // three columns: four column threads, the rest of the block on rows
        assertEquals(new ColumnReducePlan(1, 1000, 3, 0, 3, 4, 64), contiguous(new int[] {1000, 3}, 0));
        // nothing of size > 1 reduced: one row
        assertEquals(new ColumnReducePlan(1, 1, 64, 0, 0, 32, 1), contiguous(new int[] {1, 64}, 0));
    }

    @Test
    void otherLayoutsKeepTheRowKernels() {
        assertNull(contiguous(new int[] {4, 5, 6}, 2), "reduced axes innermost: rows");
        assertNull(contiguous(new int[] {4, 5, 6}, 1, 2), "reduced axes innermost: rows");
        assertNull(contiguous(new int[] {4, 5, 6}, 0, 2), "two reduced groups");
        assertNull(contiguous(new int[] {2, 3, 4, 5}, 0, 2, 3), "two reduced groups");
        assertNull(contiguous(new int[] {4, 0, 6}, 0), "empty");
        assertNull(contiguous(new int[] {1, 1}, 0), "a single element");
        assertNull(contiguous(new int[] {100, 3, 2}, 1), "2 columns × 4 row lanes: under a warp");
        Tensor t = Tensor.zeros(6, 5).transpose(0, 1);  // (5, 6) with strides (1, 5)
        assertNull(ColumnReducePlan.of(t.shape(), t.strides(), flags(2, 0)), "inner dim not contiguous");
        Tensor kk = Tensor.zeros(4, 6, 5).narrow(1, 0, 3);  // kept dims 0, 1 do not merge
        assertNull(ColumnReducePlan.of(kk.shape(), kk.strides(), flags(3, 2)), "reduced innermost");
        Tensor split = Tensor.zeros(4, 6, 5, 8).narrow(1, 0, 3);  // kept (4, 3) do not merge: two outer groups
        assertNull(ColumnReducePlan.of(split.shape(), split.strides(), flags(4, 2)), "two kept groups before the reduced one");
    }

    @Test
    void stridedOuterAndRowDimsAndBroadcastRowsAreRead() {
        Tensor sliced = Tensor.zeros(4, 9, 6).narrow(1, 2, 5);  // (4, 5, 6) strides (54, 6, 1)
        assertEquals(new ColumnReducePlan(4, 5, 6, 54, 6, 8, 8), ColumnReducePlan.of(sliced.shape(), sliced.strides(), flags(3, 1)));
        Tensor expanded = Tensor.zeros(1, 1, 40).expand(3, 7, 40);  // rows of stride 0
        assertEquals(new ColumnReducePlan(1, 21, 40, 0, 0, 32, 8), ColumnReducePlan.of(expanded.shape(), expanded.strides(), flags(3, 0, 1)));
    }

    @Test
    void splitsFillTheGpuCoverEveryRowOnceAndStayWithinTheGrid() {
        SplittableRandom rng = new SplittableRandom(11);
        int[] sizes = {1, 2, 3, 31, 33, 257, 4093, 65537, 1 << 20};
        for (int trial = 0; trial < 2000; trial++) {
            int o = sizes[rng.nextInt(sizes.length)], r = sizes[rng.nextInt(sizes.length)], i = sizes[rng.nextInt(1, sizes.length)];
            if ((long) o * r * i >= Integer.MAX_VALUE) continue;
            ColumnReducePlan p = contiguous(new int[] {o, r, i}, 1);
            if (p == null) continue;
            long target = rng.nextBoolean() ? H100_THREADS : 1 + rng.nextLong(1 << 22);
            ColumnReducePlan.Splits s = p.splits(target);
            String what = "(" + o + ", " + r + ", " + i + ") target " + target + " -> " + s;
            assertTrue(s.count() >= 1 && s.count() <= ColumnReducePlan.MAX_SPLITS, what);
            assertTrue((long) s.count() * s.rowsPerSplit() >= r, what + ": rows left over");
            assertTrue((long) (s.count() - 1) * s.rowsPerSplit() < r, what + ": an empty split");
            assertTrue(p.columnsPerBlock() * p.rowLanes() <= ColumnReducePlan.THREADS, what);
            assertTrue((long) p.blocks() * p.columnsPerBlock() >= (long) o * i, what + ": columns not covered");
            if (s.count() > 1) {
                long threads = (long) p.blocks() * p.columnsPerBlock() * p.rowLanes();
                assertTrue(threads < target, what + ": split although the tiles fill the GPU");
                assertTrue(s.rowsPerSplit() >= ColumnReducePlan.MIN_ROWS_PER_LANE * p.rowLanes() || s.count() == 1, what);
                assertTrue((long) s.count() * o * i < 2 * target + threads, what + ": partial buffer too large");
            }
        }
        // the Vim-T bias-gradient shape splits across the GPU
        ColumnReducePlan.Splits s = contiguous(new int[] {128, 196, 192}, 0, 1).splits(H100_THREADS);
        assertEquals(176, s.count());
        assertEquals(143, s.rowsPerSplit());
        // the batched weight-gradient shape has enough column tiles for one pass
        assertEquals(1, contiguous(new int[] {128, 192, 768}, 0).splits(H100_THREADS).count());
    }

    @Test
    void walkingTheKernelOverRandomViewsMatchesTheReference() {
        SplittableRandom rng = new SplittableRandom(5);
        int planned = 0;
        for (int trial = 0; trial < 400; trial++) {
            int rank = rng.nextInt(1, 5);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = rng.nextInt(1, 12);
            double[] values = randomValues(rng, 2 * Shapes.numel(shape));
            Tensor base = Tensor.of(values, values.length);
            Tensor x = base.narrow(0, rng.nextInt(Shapes.numel(shape) + 1), Shapes.numel(shape)).reshape(shape);
            if (rng.nextInt(3) == 0 && rank >= 2) {  // a sliced outer or middle dim
                int d = rng.nextInt(rank - 1);
                int len = Math.max(1, shape[d] - 1);
                x = x.narrow(d, shape[d] - len, len);
            }
            boolean[] axes = new boolean[x.rank()];
            for (int d = 0; d < axes.length; d++) axes[d] = rng.nextBoolean();
            if (rng.nextInt(4) > 0) axes[axes.length - 1] = false;  // mostly a kept inner dim
            if (walkAndCompare(x, values, axes, ReduceOp.values()[rng.nextInt(4)], 1 + rng.nextInt(4096)) != null) planned++;
        }
        assertTrue(planned > 150, "only " + planned + " random views took the column plan");
    }

    @Test
    void longReducedDimsAreSplitAndCombinedInOrder() {
        SplittableRandom rng = new SplittableRandom(7);
        int split = 0;
        for (int trial = 0; trial < 60; trial++) {
            int[] shape = {rng.nextInt(1, 4), rng.nextInt(100, 2000), rng.nextInt(2, 70)};
            double[] values = randomValues(rng, Shapes.numel(shape));
            Tensor x = Tensor.of(values, shape);
            ColumnReducePlan.Splits s = walkAndCompare(x, values, flags(3, 1), ReduceOp.values()[rng.nextInt(4)], 1 + rng.nextInt(4096));
            if (s.count() > 1) split++;
        }
        assertTrue(split > 30, "only " + split + " of 60 long reductions were split");
    }

    private static double[] randomValues(SplittableRandom rng, int n) {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) v[k] = rng.nextDouble(-1, 1);
        return v;
    }

    /**
     * Plans x (a view of {@code storage}) over {@code axes}, walks the kernels with the splits for
     * {@code target} threads and compares with the reference; the splits used, or null when x
     * takes the row kernels.
     */
    private static ColumnReducePlan.Splits walkAndCompare(Tensor x, double[] storage, boolean[] axes, ReduceOp op, long target) {
        ColumnReducePlan p = ColumnReducePlan.of(x.shape(), x.strides(), axes);
        if (p == null) return null;
        ColumnReducePlan.Splits s = p.splits(target);
        double[] got = walk(p, s, storage, x.offset(), op);
        double[] expected = Ref.reduce(x.toDoubleArray(), x.shape(), axes, op.name().toLowerCase(java.util.Locale.ROOT));
        String what = op + " of " + Arrays.toString(x.shape()) + " strides " + Arrays.toString(x.strides())
                + " axes " + Arrays.toString(axes) + " " + p + " " + s;
        // both sum in double, in different orders: a few ulp of sums of at most 4000 terms of |x| <= 1
        TensorAssert.assertClose(expected, got, 1e-11, 1e-12, what);
        return s;
    }

    /**
     * reduce_columns then reduce_splits in plain Java, block by block and lane by lane in the
     * kernels' orders, over storage {@code data} from element {@code offset}. Counts reads of
     * every (outer, row, column) element and fails unless each is read exactly once.
     */
    private static double[] walk(ColumnReducePlan p, ColumnReducePlan.Splits s, double[] data, int offset, ReduceOp op) {
        int outer = p.outer(), rows = p.rows(), inner = p.inner(), tx = p.columnsPerBlock(), ty = p.rowLanes(), tiles = p.tiles();
        int[] reads = new int[outer * rows * inner];
        double[] out = new double[outer * inner], partial = new double[s.count() * outer * inner];
        for (int by = 0; by < s.count(); by++) {
            for (int bx = 0; bx < p.blocks(); bx++) {
                int o = bx / tiles, tile = bx - o * tiles;
                double[] lanes = new double[tx * ty];
                long r0 = (long) by * s.rowsPerSplit(), r1 = Math.min(rows, r0 + s.rowsPerSplit());
                for (int ly = 0; ly < ty; ly++) {
                    for (int lx = 0; lx < tx; lx++) {
                        int c = tile * tx + lx;
                        double acc = identity(op);
                        if (c < inner) {
                            for (long r = r0 + ly; r < r1; r += ty) {
                                acc = combine(op, acc, data[(int) (offset + o * p.outerStride() + r * p.rowStride() + c)]);
                                reads[(int) ((o * (long) rows + r) * inner + c)]++;
                            }
                        }
                        lanes[ly * tx + lx] = acc;
                    }
                }
                for (int half = ty >> 1; half > 0; half >>= 1) {
                    for (int ly = 0; ly < half; ly++) {
                        for (int lx = 0; lx < tx; lx++) lanes[ly * tx + lx] = combine(op, lanes[ly * tx + lx], lanes[(ly + half) * tx + lx]);
                    }
                }
                for (int lx = 0; lx < tx; lx++) {
                    int c = tile * tx + lx;
                    if (c >= inner) continue;
                    int at = o * inner + c;
                    if (s.count() == 1) out[at] = op == ReduceOp.MEAN ? lanes[lx] / rows : lanes[lx];
                    else partial[by * outer * inner + at] = lanes[lx];
                }
            }
        }
        for (int k = 0; k < reads.length; k++) assertEquals(1, reads[k], "element " + k + " of (O, R, I) read " + reads[k] + " times");
        if (s.count() > 1) {
            int count = outer * inner;
            for (int i = 0; i < count; i++) {
                double acc = partial[i];
                for (int k = 1; k < s.count(); k++) acc = combine(op, acc, partial[k * count + i]);
                out[i] = op == ReduceOp.MEAN ? acc / rows : acc;
            }
        }
        return out;
    }

    private static double identity(ReduceOp op) {
        return op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : op == ReduceOp.MIN ? Double.POSITIVE_INFINITY : 0;
    }

    private static double combine(ReduceOp op, double a, double b) {
        return switch (op) {
            case SUM, MEAN -> a + b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
        };
    }

    @Test
    void sharedLaneArrayHoldsTheLargestBlock() {
        assertTrue(Launcher.source(ReduceKernels.SOURCE).contains("#define JM_COLUMN_THREADS " + ColumnReducePlan.THREADS),
                "reduce.cu's lane array must hold ColumnReducePlan.THREADS doubles");
    }

    @Test
    void ceilPow2() {
        assertEquals(1, ColumnReducePlan.ceilPow2(1));
        assertEquals(2, ColumnReducePlan.ceilPow2(2));
        assertEquals(4, ColumnReducePlan.ceilPow2(3));
        assertEquals(32, ColumnReducePlan.ceilPow2(32));
        assertEquals(64, ColumnReducePlan.ceilPow2(33));
        assertNotNull(contiguous(new int[] {3, 33}, 0));
    }
}
