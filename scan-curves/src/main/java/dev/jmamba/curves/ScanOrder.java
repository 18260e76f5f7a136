package dev.jmamba.curves;

import java.util.Arrays;

/**
 * One way to visit every cell of an H×W grid exactly once: a permutation of the flat cell
 * indices {@code row * W + col}.
 *
 * <p>{@code perm()[i]} is the flat index of the i-th visited cell (serialise a (C, H, W) map with
 * {@code seq[:, i] = map[:, perm[i]]}); {@code inverse()[cell]} is the step at which that cell is
 * visited (de-serialise with {@code map[:, cell] = seq[:, inverse[cell]]}). Instances are immutable:
 * both accessors return copies, so callers may keep and modify them.
 */
public final class ScanOrder {
    private final String name;
    private final int h;
    private final int w;
    private final int[] perm;     // (H*W) step -> flat cell
    private final int[] inverse;  // (H*W) flat cell -> step

    /**
     * Wraps a permutation; checks that it is a bijection of {@code 0 .. h*w-1}.
     *
     * @param perm (H*W) flat cell index of each step; copied
     */
    public ScanOrder(String name, int h, int w, int[] perm) {
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("scan order '" + name + "': grid must be at least 1x1, got " + h + "x" + w);
        }
        if (perm.length != (long) h * w) {
            throw new IllegalArgumentException("scan order '" + name + "' on " + h + "x" + w
                    + ": permutation must have " + ((long) h * w) + " entries, got " + perm.length);
        }
        this.name = name;
        this.h = h;
        this.w = w;
        this.perm = perm.clone();
        this.inverse = new int[perm.length];
        Arrays.fill(inverse, -1);
        for (int step = 0; step < perm.length; step++) {
            int cell = perm[step];
            if (cell < 0 || cell >= perm.length || inverse[cell] != -1) {
                throw new IllegalArgumentException("scan order '" + name + "' on " + h + "x" + w
                        + " is not a permutation: step " + step + " visits cell " + cell
                        + (cell >= 0 && cell < perm.length ? " a second time" : " outside 0.." + (perm.length - 1)));
            }
            inverse[cell] = step;
        }
    }

    /** Registry name of this order, e.g. {@code "hilbert-t-rev"}. */
    public String name() { return name; }

    /** Grid height (rows). */
    public int h() { return h; }

    /** Grid width (columns). */
    public int w() { return w; }

    /** Number of cells, H*W. */
    public int length() { return perm.length; }

    /** (H*W) flat cell index {@code row*W+col} visited at each step; a fresh copy. */
    public int[] perm() { return perm.clone(); }

    /** (H*W) step at which each flat cell is visited; a fresh copy. */
    public int[] inverse() { return inverse.clone(); }

    /** Flat cell index visited at {@code step}. */
    public int cellAt(int step) { return perm[step]; }

    /** Step at which flat cell {@code cell} is visited. */
    public int stepOf(int cell) { return inverse[cell]; }

    /** Row of the cell visited at {@code step}. */
    public int rowAt(int step) { return perm[step] / w; }

    /** Column of the cell visited at {@code step}. */
    public int colAt(int step) { return perm[step] % w; }

    @Override public String toString() { return "ScanOrder[" + name + ", " + h + "x" + w + "]"; }
}
