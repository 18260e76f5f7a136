package dev.jmamba.tensor.cpu;

/**
 * A GEMM register-tile ("micro") kernel with its packing routines: multiplies one A panel by one
 * packed B panel and writes the (mr, nr) result tile. The blocked driver {@link SgemmBlocked} does
 * the blocking, edge handling and threading; a kernel knows its tile shape and how to pack for it.
 *
 * <p>Packed layouts (both zero-padded to the full tile): the A panel holds {@code kc} steps of
 * {@code mr} consecutive floats, {@code ap[apOff + p*mr + r] = alpha * op(A)(i0 + r, p0 + p)}; the
 * B panel holds {@code kc} steps of {@code nr} consecutive floats,
 * {@code bp[bpOff + p*nr + j] = op(B)(p0 + p, j0 + j)}.
 */
interface SgemmKernel {
    /** Rows of the register tile (rows of A per packed panel). */
    int mr();

    /** Columns of the register tile (columns of B per packed panel). */
    int nr();

    /** A short name for benchmark reports, e.g. {@code "Vector API 256-bit, tile 4x16"}. */
    String describe();

    /**
     * {@code C(mr, nr) = acc + beta * C} where {@code acc = sum_p Apanel(p, :)^T Bpanel(p, :)}.
     * {@code beta == 0} means C is not read. C's tile starts at {@code c[cOff]} with row stride
     * {@code ldc}.
     *
     * @param ap packed A panel (kc, mr)
     * @param bp packed B panel (kc, nr)
     * @param c  output tile (mr, nr), row stride ldc
     */
    void tile(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc);

    /**
     * The kernel to run a product whose C has {@code rows} rows (after the driver's A^T B^T swap): this one, or a
     * narrower-tile sibling where this tile would mostly compute padding rows.
     */
    default SgemmKernel forRows(int rows) { return this; }

    /** Whether {@link #tileRows} is implemented (else the driver always packs A). */
    default boolean readsRowsDirectly() { return false; }

    /**
     * As {@link #tile} but reading A unpacked from row-major storage: row r of the panel is
     * {@code a[aOff + r*lda + p]} for p in [0, kc), all mr rows present (no alpha: the caller
     * only uses it when alpha == 1).
     *
     * @param a  A rows (mr, kc) with row stride lda
     * @param bp packed B panel (kc, nr)
     * @param c  output tile (mr, nr), row stride ldc
     */
    default void tileRows(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        throw new UnsupportedOperationException("this GEMM kernel reads A only packed");
    }

    /**
     * Whether {@link #tileHalf} and {@link #tileRowsHalf} are implemented: (halfRows, halfNr) tiles
     * for a last B panel of at most halfNr columns (else the driver runs the full tile on zero padding).
     */
    default boolean hasHalfTile() { return false; }

    /** Columns of the narrow tile ({@link #tileHalf}): nr/2 unless a kernel says otherwise. */
    default int halfNr() { return nr() / 2; }

    /**
     * Rows of the narrow tile, a multiple of mr: mr unless a kernel says otherwise. With more, the
     * narrow tile reads halfRows / mr consecutive A panels (packed: each {@code kc * mr} floats after
     * the previous; in place: the next rows), and the driver runs it only where all those panels exist.
     */
    default int halfRows() { return mr(); }

    /** As {@link #tile} for the first halfNr columns of the B panel only: C (halfRows, halfNr). */
    default void tileHalf(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        throw new UnsupportedOperationException("this GEMM kernel has no half-width tile");
    }

    /** As {@link #tileRows} for the first halfNr columns of the B panel only: C (halfRows, halfNr). */
    default void tileRowsHalf(int kc, float[] a, int aOff, int lda, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
        throw new UnsupportedOperationException("this GEMM kernel has no half-width tile");
    }

    /** Packs A panels as {@link SgemmPack#packA} specifies (a kernel may do it faster). */
    default void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc,
                       float alpha, float[] ap, int apOff) {
        SgemmPack.packA(transA, a, aOff, lda, i0, rows, p0, kc, alpha, ap, apOff, mr());
    }

    /** Packs one B panel as {@link SgemmPack#packBPanel} specifies (a kernel may do it faster). */
    default void packBPanel(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols,
                            float[] bp, int dst) {
        SgemmPack.packBPanel(transB, b, bOff, ldb, p0, kc, j0, cols, bp, dst, nr());
    }
}
