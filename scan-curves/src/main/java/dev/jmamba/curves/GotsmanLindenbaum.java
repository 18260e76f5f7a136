package dev.jmamba.curves;

/**
 * The Gotsman–Lindenbaum locality of a token sequence: max over token pairs i &lt; j of
 * |p_i − p_j|² / (j − i). The plain definition is a double loop over L²/2 pairs (a 256 × 256 grid:
 * 2·10⁹ pairs, a minute; 3000 × 3000: days). {@link #of} finds the same maximum by branch and bound
 * over a binary tree of index ranges with their cells' bounding boxes: a pair of ranges I before J can
 * only hold a better pair if (largest distance between the two boxes)² / (smallest index gap) beats
 * the best value so far; otherwise the whole block of pairs is skipped. Short gaps (up to
 * {@link #SEED_GAP}) are scanned first, which finds the maximum or a value close to it for every
 * order of the registry, so almost everything far apart is skipped and the cost is about
 * O(L log L). The ratio of each candidate pair is computed exactly as in {@link #plain}, so the two
 * agree bit for bit.
 *
 * <p>The work is bounded: after {@code budget} pair evaluations plus skipped blocks the search stops
 * and the value found so far, a lower bound, is returned with {@code exact == false}.
 */
final class GotsmanLindenbaum {
    /** Gaps scanned in full before the search (finds a good lower bound cheaply). */
    static final int SEED_GAP = 16;
    /** Ranges at most this long on both sides are compared pair by pair. */
    private static final int LEAF = 32;

    /** The maximum found and whether it is the exact maximum (the search finished within its budget). */
    record Result(double value, boolean exact) {}

    private GotsmanLindenbaum() {}

    /** Reference: the plain O(L²) double loop; 0 for fewer than two tokens. */
    static double plain(double[] xs, double[] ys) {
        double best = 0;
        for (int i = 0; i < xs.length; i++) {
            for (int j = i + 1; j < xs.length; j++) {
                double dx = xs[j] - xs[i], dy = ys[j] - ys[i];
                double ratio = (dx * dx + dy * dy) / (j - i);
                if (ratio > best) best = ratio;
            }
        }
        return best;
    }

    /** The maximum by branch and bound, stopping after about {@code budget} units of work (see class comment). */
    static Result of(double[] xs, double[] ys, long budget) {
        int n = xs.length;
        if (n < 2) return new Result(0, true);
        long[] work = {0};
        double best = 0;
        for (int i = 0; i < n; i++) { // seed: every pair with a short gap
            for (int j = i + 1; j < Math.min(n, i + SEED_GAP + 1); j++) best = Math.max(best, ratio(xs, ys, i, j));
        }
        work[0] += (long) n * SEED_GAP;
        Tree t = new Tree(xs, ys);
        // explicit stack of node pairs (a, b): a == b, or a's range entirely before b's
        int[] stackA = new int[256], stackB = new int[256];
        int top = 0;
        stackA[top] = 1;
        stackB[top++] = 1;
        while (top > 0) {
            if (work[0] > budget) return new Result(best, false);
            int a = stackA[--top], b = stackB[top];
            work[0]++;
            if (a == b) {
                if (t.size(a) <= LEAF || t.isLeaf(a)) {
                    best = brute(xs, ys, t.lo(a), t.hi(a), t.lo(a), t.hi(a), best, work);
                    continue;
                }
                int l = 2 * a, r = 2 * a + 1;
                if (top + 3 > stackA.length) { stackA = grow(stackA); stackB = grow(stackB); }
                stackA[top] = l; stackB[top++] = l;
                stackA[top] = r; stackB[top++] = r;
                stackA[top] = l; stackB[top++] = r;
                continue;
            }
            if (t.empty(a) || t.empty(b)) continue;
            long minGap = t.lo(b) - (t.hi(a) - 1L);
            if (t.maxDistSq(a, b) / (double) minGap <= best) continue;   // no pair in this block can beat best
            if (t.size(a) <= LEAF && t.size(b) <= LEAF || t.isLeaf(a) && t.isLeaf(b)) {
                best = brute(xs, ys, t.lo(a), t.hi(a), t.lo(b), t.hi(b), best, work);
                continue;
            }
            if (top + 2 > stackA.length) { stackA = grow(stackA); stackB = grow(stackB); }
            if (!t.isLeaf(a) && (t.size(a) >= t.size(b) || t.isLeaf(b))) {
                stackA[top] = 2 * a; stackB[top++] = b;
                stackA[top] = 2 * a + 1; stackB[top++] = b;
            } else {
                stackA[top] = a; stackB[top++] = 2 * b;
                stackA[top] = a; stackB[top++] = 2 * b + 1;
            }
        }
        return new Result(best, true);
    }

    private static double ratio(double[] xs, double[] ys, int i, int j) {
        double dx = xs[j] - xs[i], dy = ys[j] - ys[i];
        return (dx * dx + dy * dy) / (j - i);
    }

    /** Pairs i in [aLo, aHi), j in [bLo, bHi), i &lt; j. */
    private static double brute(double[] xs, double[] ys, int aLo, int aHi, int bLo, int bHi, double best, long[] work) {
        for (int i = aLo; i < aHi; i++) {
            for (int j = Math.max(bLo, i + 1); j < bHi; j++) {
                double r = ratio(xs, ys, i, j);
                if (r > best) best = r;
            }
        }
        work[0] += (long) (aHi - aLo) * (bHi - bLo);
        return best;
    }

    private static int[] grow(int[] a) {
        return java.util.Arrays.copyOf(a, a.length * 2);
    }

    /**
     * A complete binary tree over index ranges: node 1 is [0, size), node k has children 2k and 2k+1;
     * leaves are single indices (those at or past n are empty). Each node keeps the bounding box of its
     * cells.
     */
    private static final class Tree {
        private final int n, size;
        private final double[] minX, maxX, minY, maxY;

        Tree(double[] xs, double[] ys) {
            n = xs.length;
            int s = 1;
            while (s < n) s <<= 1;
            size = s;
            minX = new double[2 * s];
            maxX = new double[2 * s];
            minY = new double[2 * s];
            maxY = new double[2 * s];
            java.util.Arrays.fill(minX, Double.POSITIVE_INFINITY);
            java.util.Arrays.fill(minY, Double.POSITIVE_INFINITY);
            java.util.Arrays.fill(maxX, Double.NEGATIVE_INFINITY);
            java.util.Arrays.fill(maxY, Double.NEGATIVE_INFINITY);
            for (int i = 0; i < n; i++) {
                minX[s + i] = maxX[s + i] = xs[i];
                minY[s + i] = maxY[s + i] = ys[i];
            }
            for (int k = s - 1; k >= 1; k--) {
                minX[k] = Math.min(minX[2 * k], minX[2 * k + 1]);
                maxX[k] = Math.max(maxX[2 * k], maxX[2 * k + 1]);
                minY[k] = Math.min(minY[2 * k], minY[2 * k + 1]);
                maxY[k] = Math.max(maxY[2 * k], maxY[2 * k + 1]);
            }
        }

        int lo(int k) {
            int level = 31 - Integer.numberOfLeadingZeros(k);
            return Math.min(n, (k - (1 << level)) * (size >> level));
        }

        int hi(int k) {
            int level = 31 - Integer.numberOfLeadingZeros(k);
            return Math.min(n, (k - (1 << level) + 1) * (size >> level));
        }

        int size(int k) {
            return hi(k) - lo(k);
        }

        boolean empty(int k) {
            return lo(k) >= hi(k);
        }

        boolean isLeaf(int k) {
            return k >= size;
        }

        /** The largest squared distance between a point of box a and a point of box b. */
        double maxDistSq(int a, int b) {
            double dx = Math.max(maxX[b] - minX[a], maxX[a] - minX[b]);
            double dy = Math.max(maxY[b] - minY[a], maxY[a] - minY[b]);
            return dx * dx + dy * dy;
        }
    }
}
