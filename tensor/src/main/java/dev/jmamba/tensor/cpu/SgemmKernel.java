package dev.jmamba.tensor.cpu;

/**
 * A GEMM register-tile ("micro") kernel: multiplies one packed A panel by one packed B panel and
 * writes the (mr, nr) result tile. The blocked driver {@link SgemmBlocked} does all packing,
 * blocking, edge handling and threading; a kernel only knows its tile shape.
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
}
