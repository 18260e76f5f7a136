package dev.jmamba.curves;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Locality metrics of a scan order (scan-curves spec §5). Positions are cell centres
 * (x = column, y = row); distances are Euclidean.
 *
 * @param meanJump       mean distance between consecutive cells (1 for continuous curves); 0 for a 1-cell grid
 * @param meanSds        mean Structural Distortion Score: per token, the sum of the distances to its
 *                       previous and next token (one neighbour at the ends), averaged over tokens
 * @param medianGap      upper median (element n/2 of the sorted list) of |step difference| over all
 *                       pairs of 4-adjacent cells; 0 for a 1-cell grid
 * @param fracGapAtMost4 fraction of 4-adjacent cell pairs whose steps differ by at most 4
 * @param window16Spread mean, over all runs of 16 consecutive tokens, of the mean distance of the
 *                       run's cells to the run's centroid (one run of all tokens when there are fewer than 16)
 * @param gotsmanLindenbaum max over token pairs i &lt; j of squared distance / |i − j| (see {@link GotsmanLindenbaum})
 * @param nonUnitSteps   number of consecutive pairs that are not 4-neighbours (jumps and diagonals)
 * @param glExact        true when {@code gotsmanLindenbaum} is the exact maximum; false when its search hit
 *                       the work bound {@link #GL_BUDGET} first and the value is a lower bound (never for the
 *                       orders of the registry up to 1024 × 1024)
 */
public record Locality(double meanJump, double meanSds, int medianGap, double fracGapAtMost4,
                       double window16Spread, double gotsmanLindenbaum, int nonUnitSteps, boolean glExact) {

    /** Work bound of the Gotsman–Lindenbaum search: about a second on one core. */
    public static final long GL_BUDGET = 1L << 28;

    /** Length of the token runs used by {@link #window16Spread}. */
    public static final int WINDOW = 16;

    /** Computes every metric; about O(L log L) for L = H*W tokens (the Gotsman–Lindenbaum search is bounded). */
    public static Locality of(ScanOrder order) {
        int n = order.length();
        double[] xs = new double[n]; // (L) column of each token
        double[] ys = new double[n]; // (L) row of each token
        for (int i = 0; i < n; i++) {
            xs[i] = order.colAt(i);
            ys[i] = order.rowAt(i);
        }
        double jumpSum = 0;
        int nonUnit = 0;
        for (int i = 1; i < n; i++) {
            double dx = xs[i] - xs[i - 1], dy = ys[i] - ys[i - 1];
            jumpSum += Math.sqrt(dx * dx + dy * dy);
            if (Math.abs(dx) + Math.abs(dy) != 1) nonUnit++;
        }
        double meanJump = n > 1 ? jumpSum / (n - 1) : 0;
        double meanSds = 2 * jumpSum / n; // every step counts once for each of its two tokens

        int[] gaps = adjacentGaps(order);
        int medianGap = 0;
        double fracSmall = 0;
        if (gaps.length > 0) {
            Arrays.sort(gaps);
            medianGap = gaps[gaps.length / 2];
            int small = 0;
            for (int g : gaps) if (g <= 4) small++;
            fracSmall = small / (double) gaps.length;
        }
        GotsmanLindenbaum.Result gl = GotsmanLindenbaum.of(xs, ys, GL_BUDGET);
        return new Locality(meanJump, meanSds, medianGap, fracSmall, windowSpread(xs, ys), gl.value(), nonUnit, gl.exact());
    }

    /** |step difference| for every unordered pair of 4-adjacent cells (horizontal pairs, then vertical). */
    private static int[] adjacentGaps(ScanOrder order) {
        int h = order.h(), w = order.w();
        int[] gaps = new int[h * (w - 1) + (h - 1) * w];
        int k = 0;
        for (int row = 0; row < h; row++) {
            for (int col = 0; col < w; col++) {
                int here = order.stepOf(row * w + col);
                if (col + 1 < w) gaps[k++] = Math.abs(here - order.stepOf(row * w + col + 1));
                if (row + 1 < h) gaps[k++] = Math.abs(here - order.stepOf((row + 1) * w + col));
            }
        }
        return gaps;
    }

    /** Mean over sliding runs of WINDOW tokens of the mean distance to the run's centroid. */
    private static double windowSpread(double[] xs, double[] ys) {
        int n = xs.length;
        int run = Math.min(WINDOW, n);
        double total = 0;
        int runs = n - run + 1;
        for (int start = 0; start < runs; start++) {
            double cx = 0, cy = 0;
            for (int i = start; i < start + run; i++) {
                cx += xs[i];
                cy += ys[i];
            }
            cx /= run;
            cy /= run;
            double spread = 0;
            for (int i = start; i < start + run; i++) spread += Math.hypot(xs[i] - cx, ys[i] - cy);
            total += spread / run;
        }
        return total / runs;
    }

    /**
     * A Markdown table with one row per order: grid, order, then every metric (3 decimals). All orders
     * are measured with {@link #of}; a GL that is only a lower bound is shown as "≥ value".
     */
    public static String markdownTable(List<ScanOrder> orders) {
        StringBuilder sb = new StringBuilder();
        sb.append("| grid | order | mean jump | mean SDS | median gap | frac gap<=4 | window16 spread | GL | non-unit steps |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (ScanOrder order : orders) {
            Locality m = of(order);
            sb.append(String.format(Locale.ROOT, "| %dx%d | %s | %.3f | %.3f | %d | %.3f | %.3f | %s | %d |%n",
                    order.h(), order.w(), order.name(), m.meanJump(), m.meanSds(), m.medianGap(),
                    m.fracGapAtMost4(), m.window16Spread(), (m.glExact() ? "" : "≥ ") + String.format(Locale.ROOT, "%.3f", m.gotsmanLindenbaum()),
                    m.nonUnitSteps()));
        }
        return sb.toString();
    }
}
