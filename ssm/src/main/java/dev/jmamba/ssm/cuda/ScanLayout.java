package dev.jmamba.ssm.cuda;

import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.JmambaException;

/**
 * How the tensors of one GPU scan call lie in memory, for the v6 kernels: positions are always
 * contiguous (stride 1); each (B, D, L) tensor has its own batch and channel strides and each
 * (B, G, N, L) tensor its own batch and row strides (row = g·N + n, so its G and N dims must merge).
 * This lets the scan read a (D, B·L) matrix — the layout in which the Mamba projections are single
 * GEMMs — as (B, D, L) with strides (L, B·L, 1), without a copy. {@code reverse} scans positions
 * L-1 .. 0: the result of scanning the flipped sequence, flipped back, without either flip.
 *
 * @param seq     [8][2] {batch, channel} strides of u, delta, z, out, gout, du, ddelta, dz (SEQ_* order
 *                of selective_scan.cu); rows of absent tensors are ignored
 * @param bc      [4][2] {batch, row} strides of B, C, dB, dC
 * @param reverse whether positions are scanned from the end
 * @param bf16    whether u, delta, z and out hold bf16 (the *_bf16 v6 kernels; gout and the gradients stay float32)
 * @param columns device address of a (G, L) int32 table, the memory column of each scan position of each group
 *                ({@code dev.jmamba.ssm.ScanPaths}), or 0: positions in order (or from the end when {@code reverse})
 * @param sharedU whether u holds D / G channels that every group reads (u's strides are then those of that tensor)
 */
public record ScanLayout(long[][] seq, long[][] bc, boolean reverse, boolean bf16, long columns, boolean sharedU) {
    public static final int U = 0, DELTA = 1, Z = 2, OUT = 3, GOUT = 4, DU = 5, DDELTA = 6, DZ = 7;
    public static final int B = 0, C = 1, DB = 2, DC = 3;

    public ScanLayout {
        if (seq.length != 8 || bc.length != 4) throw new JmambaException("ScanLayout: need 8 sequence and 4 B/C stride pairs");
    }

    /** A float32 layout. */
    public ScanLayout(long[][] seq, long[][] bc, boolean reverse) { this(seq, bc, reverse, false, 0, false); }

    /** This layout with u, delta, z and out in bf16. */
    public ScanLayout withBf16() { return new ScanLayout(seq, bc, reverse, true, columns, sharedU); }

    /** This layout scanning each group along its row of the (G, L) table at {@code columns}, u shared or not. */
    public ScanLayout withPaths(long columns, boolean sharedU) { return new ScanLayout(seq, bc, false, bf16, columns, sharedU); }

    /** Every tensor contiguous in its documented shape. */
    public static ScanLayout contiguous(ScanShape s, boolean reverse) {
        long[][] seq = new long[8][], bc = new long[4][];
        for (int i = 0; i < 8; i++) seq[i] = new long[] {(long) s.channels() * s.length(), s.length()};
        for (int i = 0; i < 4; i++) bc[i] = new long[] {(long) s.groups() * s.state() * s.length(), s.length()};
        return new ScanLayout(seq, bc, reverse);
    }

    /** Whether this is {@link #contiguous} for s (the only layout the v3 kernels read). */
    public boolean isContiguous(ScanShape s) {
        ScanLayout c = contiguous(s, false);
        if (reverse || bf16 || columns != 0 || sharedU) return false;
        for (int i = 0; i < 8; i++) if (!same(seq[i], c.seq[i], s.batch(), s.channels())) return false;
        for (int i = 0; i < 4; i++) if (!same(bc[i], c.bc[i], s.batch(), s.groups() * s.state())) return false;
        return true;
    }

    /** Equal strides, ignoring the strides of size-1 dims. */
    private static boolean same(long[] a, long[] b, int outer, int rows) {
        return (outer == 1 || a[0] == b[0]) && (rows == 1 || a[1] == b[1]);
    }
}
