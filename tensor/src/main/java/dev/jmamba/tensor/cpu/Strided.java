package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Shapes;

/**
 * The loop nest behind every element-wise CPU kernel. Given an output shape and, per operand,
 * strides (0 where broadcast) and an offset, it merges dims that are laid out back to back,
 * then calls a row body for each innermost row with the operands' row offsets. Rows are split
 * across the thread pool.
 */
final class Strided {
    /** Body called per row: {@code offs[k]} is operand k's offset at the row start, n the row length. */
    interface Row { void run(int[] offs, int n); }

    final int[] shape;     // coalesced shape, rank >= 1
    final int[][] strides; // [operand][dim]
    final int[] base;      // [operand] offsets
    final int inner;       // length of a row
    final int rows;

    private Strided(int[] shape, int[][] strides, int[] base) {
        this.shape = shape;
        this.strides = strides;
        this.base = base;
        this.inner = shape[shape.length - 1];
        int r = 1;
        for (int i = 0; i < shape.length - 1; i++) r *= shape[i];
        this.rows = r;
    }

    /** Inner (row) stride of operand k. */
    int innerStride(int k) { return strides[k][shape.length - 1]; }

    /** Plans a loop over {@code shape}; {@code strides[k]} has the shape's rank. */
    static Strided plan(int[] shape, int[][] strides, int[] offsets) {
        int ops = strides.length, r = shape.length;
        int[] s = new int[Math.max(1, r)];
        int[][] st = new int[ops][Math.max(1, r)];
        int n = 0;
        for (int d = 0; d < r; d++) {
            if (shape[d] == 1) continue;               // size-1 dims never move the offsets
            if (n > 0) {
                boolean merge = true;
                for (int k = 0; k < ops; k++) {
                    if (st[k][n - 1] != strides[k][d] * shape[d]) { merge = false; break; }
                }
                if (merge) {
                    s[n - 1] *= shape[d];
                    for (int k = 0; k < ops; k++) st[k][n - 1] = strides[k][d];
                    continue;
                }
            }
            s[n] = shape[d];
            for (int k = 0; k < ops; k++) st[k][n] = strides[k][d];
            n++;
        }
        if (n == 0) { // scalar or all size-1
            s[0] = Shapes.numel(shape) == 0 ? 0 : 1;
            n = 1;
        }
        int[] shp = java.util.Arrays.copyOf(s, n);
        int[][] str = new int[ops][];
        for (int k = 0; k < ops; k++) str[k] = java.util.Arrays.copyOf(st[k], n);
        return new Strided(shp, str, offsets.clone());
    }

    /** Runs {@code body} on every row; in parallel when there is enough work. */
    void forEachRow(Row body) {
        if (inner == 0 || rows == 0) return;
        if (inner > CHUNK) {                           // long rows (a contiguous tensor is one row): split them too
            forEachChunk(body);
            return;
        }
        int grain = Math.max(1, (1 << 15) / Math.max(1, inner));
        Parallel.forBlocks(rows, grain, (start, end) -> runRows(start, end, body));
    }

    /**
     * Elements per piece when a row is longer: a fixed multiple of every vector length, so where the
     * SIMD loops and their scalar tails fall does not depend on the number of threads.
     */
    static final int CHUNK = 1 << 14;

    /** Runs {@code body} on pieces of at most {@link #CHUNK} elements of every row, the pieces in parallel. */
    private void forEachChunk(Row body) {
        int perRow = Math.ceilDiv(inner, CHUNK), ops = base.length, last = shape.length - 1;
        Parallel.forBlocks(rows * perRow, 1, (start, end) -> {
            for (int piece = start; piece < end; piece++) {
                int row = piece / perRow, first = piece % perRow * CHUNK;
                int[] offs = rowOffsets(row);
                for (int k = 0; k < ops; k++) offs[k] += first * strides[k][last];
                body.run(offs, Math.min(CHUNK, inner - first));
            }
        });
    }

    /** Operand offsets at the start of row {@code row}. */
    private int[] rowOffsets(int row) {
        int[] offs = base.clone();
        int rem = row;
        for (int d = shape.length - 2; d >= 0; d--) {
            int i = rem % shape[d];
            rem /= shape[d];
            for (int k = 0; k < offs.length; k++) offs[k] += i * strides[k][d];
        }
        return offs;
    }

    /** Runs {@code body} on every row on the calling thread, in order. */
    void forEachRowSerial(Row body) {
        if (inner == 0 || rows == 0) return;
        runRows(0, rows, body);
    }

    private void runRows(int start, int end, Row body) {
        int ops = base.length, outer = shape.length - 1;
        int[] idx = new int[Math.max(1, outer)];
        int[] offs = base.clone();
        int rem = start;
        for (int d = outer - 1; d >= 0; d--) {       // decompose the start row index
            idx[d] = rem % shape[d];
            rem /= shape[d];
            for (int k = 0; k < ops; k++) offs[k] += idx[d] * strides[k][d];
        }
        for (int row = start; row < end; row++) {
            body.run(offs, inner);
            for (int d = outer - 1; d >= 0; d--) {   // odometer increment
                idx[d]++;
                for (int k = 0; k < ops; k++) offs[k] += strides[k][d];
                if (idx[d] < shape[d]) break;
                for (int k = 0; k < ops; k++) offs[k] -= idx[d] * strides[k][d];
                idx[d] = 0;
            }
        }
    }
}
