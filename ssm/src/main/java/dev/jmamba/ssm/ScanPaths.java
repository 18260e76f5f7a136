package dev.jmamba.ssm;

import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * The path each group of a grouped selective scan takes through the positions of its sequences: scan step l of group g
 * reads and writes memory column {@code column(g, l)}. A 2-D map's K scan orders (VMamba's cross-scan: raster, column,
 * Hilbert, ...) become K groups scanning one map in grid order, without K reordered copies of it.
 * {@link SelectiveScan#scanAlong} equals, per group, gathering every sequence input along L by the group's row, scanning,
 * and scattering the output back — which is what {@link #gather} and {@link #scatter} do for the kernels that cannot
 * read through the table themselves (the CPU).
 *
 * <p>With {@code sharedInput} every group reads the same u of D / G channels (the K orders of one map); its gradient
 * is the sum of the groups' gradients.
 */
public final class ScanPaths {
    private final int groups, length;
    private final int[] columns;    // (G, L) flat
    private final int[] inverses;   // (G, L) flat: step at which group g visits each column
    private final boolean sharedInput;
    private final int hash;

    private ScanPaths(int groups, int length, int[] columns, int[] inverses, boolean sharedInput) {
        this.groups = groups;
        this.length = length;
        this.columns = columns;
        this.inverses = inverses;
        this.sharedInput = sharedInput;
        this.hash = 31 * Arrays.hashCode(columns) + (sharedInput ? 1 : 0);
    }

    /**
     * Paths from one permutation of 0 .. L-1 per group.
     *
     * @param perGroup    G rows of L memory columns each, every row a permutation
     * @param sharedInput whether the groups read one shared u of D / G channels
     */
    public static ScanPaths of(List<int[]> perGroup, boolean sharedInput) {
        if (perGroup == null || perGroup.isEmpty()) {
            throw new JmambaException("scan paths: need at least one group's path, got " + (perGroup == null ? "null" : "none"));
        }
        int g = perGroup.size(), l = perGroup.get(0).length;
        int[] cols = new int[g * l], inv = new int[g * l];
        Arrays.fill(inv, -1);
        for (int k = 0; k < g; k++) {
            int[] row = perGroup.get(k);
            if (row.length != l) {
                throw new JmambaException("scan paths: group " + k + " has a path of " + row.length + " positions, expected " + l);
            }
            for (int i = 0; i < l; i++) {
                int c = row[i];
                if (c < 0 || c >= l || inv[k * l + c] >= 0) {
                    throw new JmambaException("scan paths: group " + k + "'s path must visit each of the " + l
                            + " positions once, got column " + c + " at step " + i);
                }
                inv[k * l + c] = i;
                cols[k * l + i] = c;
            }
        }
        return new ScanPaths(g, l, cols, inv, sharedInput);
    }

    /** G, the number of groups (one path each). */
    public int groups() { return groups; }

    /** L, the positions of each path. */
    public int length() { return length; }

    /** Whether every group reads one shared u of D / G channels. */
    public boolean sharedInput() { return sharedInput; }

    /** The memory column of scan step {@code l} of group {@code g}. */
    public int column(int g, int l) { return columns[g * length + l]; }

    /** The (G, L) table of memory columns, row-major (a copy). */
    public int[] table() { return columns.clone(); }

    /**
     * Each group's slice of a (B, G·X, L) or (B, G, X, L) tensor put in its path's order along the last dim (with
     * {@code shared}, t is (B, X, L) and every group takes all of it): the input of an ordinary scan.
     */
    Tensor gather(Tensor t, boolean shared) {
        return reorder(t, columns, shared);
    }

    /** The inverse of {@link #gather} for a (B, G·X, L) or (B, G, X, L) tensor in path order (not shared). */
    Tensor scatter(Tensor t) {
        return reorder(t, inverses, false);
    }

    private Tensor reorder(Tensor t, int[] table, boolean shared) {
        int axis = t.rank() - 1, groupAxis = 1;
        int per = shared ? 0 : t.size(groupAxis) / groups;
        Tensor[] parts = new Tensor[groups];
        for (int g = 0; g < groups; g++) {
            Tensor slice = shared ? t : t.narrow(groupAxis, g * per, per);
            Tensor index = Tensor.of(Arrays.copyOfRange(table, g * length, (g + 1) * length), length).to(t.device());
            parts[g] = slice.indexSelect(axis, index);
        }
        return Tensor.cat(groupAxis, parts);
    }

    /**
     * The gradient of a shared input from the groups' own: (B, G·X, L) → (B, X, L), the sum over the G slices (in
     * memory order; both the gather path and the CUDA path table end with it).
     */
    public Tensor sumGroups(Tensor perGroup) {
        int b = perGroup.size(0), l = perGroup.size(2);
        return perGroup.reshape(b, groups, perGroup.size(1) / groups, l).sum(false, 1);
    }

    @Override public boolean equals(Object o) {
        return o instanceof ScanPaths p && p.groups == groups && p.sharedInput == sharedInput && Arrays.equals(p.columns, columns);
    }

    @Override public int hashCode() { return hash; }

    @Override public String toString() {
        return "ScanPaths[" + groups + " groups x " + length + " positions" + (sharedInput ? ", shared input" : "") + "]";
    }
}
