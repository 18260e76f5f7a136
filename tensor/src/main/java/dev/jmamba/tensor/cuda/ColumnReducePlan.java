package dev.jmamba.tensor.cuda;

/**
 * How {@code reduce_columns} (reduce.cu) reads a reduction in place, without moving the reduced
 * axes last: x viewed as (outer, rows, inner) where the rows are reduced, the inner dim is
 * contiguous (stride 1) and outer and rows have any strides. Found by dropping size-1 dims and
 * merging neighbouring dims of the same kind (both reduced or both kept) that step through memory
 * back to back; it exists when at most one kept group precedes a single reduced group and exactly
 * one contiguous kept group follows it. Examples: x (B, L, C) contiguous summed over (0, 1) is
 * (1, B·L, C); a batched weight gradient (B, k, n) summed over 0 is (1, B, k·n).
 *
 * <p>A block is {@code columnsPerBlock × rowLanes} threads (powers of two, at most
 * {@link #THREADS}): consecutive threads own consecutive columns of one outer index, so loads
 * coalesce, and the row lanes share the block's rows. When too few blocks would cover the columns
 * to fill the GPU, the rows are cut into {@link Splits} whose partial results a second pass
 * combines in a fixed order.
 *
 * @param outer           O, the product of the kept dims before the reduced ones (1 if none)
 * @param rows            R, the product of the reduced dims
 * @param inner           I, the product of the kept dims after the reduced ones (at least 2)
 * @param outerStride     element step between outer indices (0 when outer is 1)
 * @param rowStride       element step between rows
 * @param columnsPerBlock threads along the inner dim per block: min(32, I rounded up to a power of two)
 * @param rowLanes        threads along the rows per block: min(THREADS / columnsPerBlock, R rounded up to a power of two)
 */
record ColumnReducePlan(int outer, int rows, int inner, long outerStride, long rowStride, int columnsPerBlock, int rowLanes) {
    /** Most threads per block (JM_COLUMN_THREADS in reduce.cu: the size of its shared lane array). */
    static final int THREADS = 256;
    /** Fewest threads per block worth launching: one warp. Smaller (outer, rows, inner) shapes use the row kernels. */
    static final int MIN_THREADS = 32;
    /** Columns per block at most: one warp's worth, a 128-byte line of F32. */
    static final int MAX_COLUMNS = 32;
    /** A split gives each row lane at least this many rows, so the second pass stays small. */
    static final int MIN_ROWS_PER_LANE = 8;
    /** Most splits: gridDim.y is at most 65535. */
    static final int MAX_SPLITS = 65535;

    /**
     * The row ranges of a launch: {@code count} splits (gridDim.y) of {@code rowsPerSplit} rows,
     * the last one possibly shorter but never empty.
     */
    record Splits(int count, int rowsPerSplit) {}

    /**
     * The column plan of reducing x (shape, strides, both rank r) over the flagged axes (r), or
     * null when the layout does not fit (then the row kernels run on a transposed copy). Expects
     * a non-empty x.
     */
    static ColumnReducePlan of(int[] shape, int[] strides, boolean[] axes) {
        int r = shape.length;
        int[] size = new int[r];
        long[] stride = new long[r];
        boolean[] reduced = new boolean[r];
        int n = 0;
        for (int d = 0; d < r; d++) {
            if (shape[d] == 0) return null;
            if (shape[d] == 1) continue;  // size-1 dims never move an offset
            if (n > 0 && reduced[n - 1] == axes[d] && stride[n - 1] == (long) strides[d] * shape[d]) {
                size[n - 1] *= shape[d];  // merge into the previous group
                stride[n - 1] = strides[d];
                continue;
            }
            size[n] = shape[d];
            stride[n] = strides[d];
            reduced[n] = axes[d];
            n++;
        }
        // groups: [kept] reduced kept, or a lone kept group (all reduced dims have size 1)
        int at = 0, outer = 1, rows = 1;
        long outerStride = 0, rowStride = 0;
        if (at < n && !reduced[at] && at + 1 < n && reduced[at + 1]) {
            outer = size[at];
            outerStride = stride[at];
            at++;
        }
        if (at < n && reduced[at]) {
            rows = size[at];
            rowStride = stride[at];
            at++;
        }
        if (at != n - 1 || reduced[at] || stride[at] != 1) return null;  // no contiguous inner group last
        int inner = size[at];
        int columns = Math.min(MAX_COLUMNS, ceilPow2(inner));
        int lanes = Math.min(THREADS / columns, ceilPow2(rows));
        if (columns * lanes < MIN_THREADS) return null;
        return new ColumnReducePlan(outer, rows, inner, outerStride, rowStride, columns, lanes);
    }

    /** Blocks per outer index: column tiles of {@code columnsPerBlock}. */
    int tiles() {
        return (inner + columnsPerBlock - 1) / columnsPerBlock;
    }

    /** gridDim.x: one block per (outer index, column tile); at most O·I < 2^31. */
    int blocks() {
        return Math.toIntExact((long) outer * tiles());
    }

    /**
     * How to cut the rows so that about {@code targetThreads} threads run (a full GPU): one split
     * when the column tiles alone reach that, else as many as fill it while every row lane keeps
     * at least {@link #MIN_ROWS_PER_LANE} rows, at most {@link #MAX_SPLITS}. A function of the
     * shape and the target only, so a device always cuts (and combines) the same way.
     */
    Splits splits(long targetThreads) {
        long threads = (long) blocks() * columnsPerBlock * rowLanes;
        long wanted = threads >= targetThreads ? 1 : (targetThreads + threads - 1) / threads;
        long byRows = Math.max(1, rows / ((long) MIN_ROWS_PER_LANE * rowLanes));
        int count = (int) Math.min(Math.min(wanted, byRows), MAX_SPLITS);
        int perSplit = (int) (((long) rows + count - 1) / count);
        count = (int) (((long) rows + perSplit - 1) / perSplit);  // drop splits that would start past the last row
        return new Splits(count, perSplit);
    }

    /** The smallest power of two ≥ v (v ≥ 1), capped at 2^30. */
    static int ceilPow2(int v) {
        return v <= 1 ? 1 : Math.min(1 << 30, Integer.highestOneBit(v - 1) << 1);
    }
}
