package dev.jmamba.vision;

import dev.jmamba.tensor.JmambaException;
import java.util.List;

/**
 * How a token sequence (B, L, D) maps onto image grids: one or more row-major grids concatenated
 * in order (Vim has one; GlobalMamba has one per frequency band), with an optional class token
 * inserted at {@code clsIndex} of the full sequence.
 *
 * @param grids    the patch grids in sequence order
 * @param clsIndex position of the class token in the full sequence, or −1 for none
 */
public record TokenLayout(List<Grid> grids, int clsIndex) {
    /** One row-major patch grid of h×w tokens. */
    public record Grid(int h, int w) {
        public Grid {
            if (h < 1 || w < 1) throw new JmambaException("token grid must be at least 1x1, got " + h + "x" + w);
        }

        public int size() { return h * w; }
    }

    public TokenLayout {
        grids = List.copyOf(grids);
        if (grids.isEmpty()) throw new JmambaException("a token layout needs at least one grid");
        int patches = grids.stream().mapToInt(Grid::size).sum();
        if (clsIndex < -1 || clsIndex > patches) {
            throw new JmambaException("class-token index must be -1 or in 0.." + patches + ", got " + clsIndex);
        }
    }

    /** One grid with the class token in the middle (index M/2 of M patches, Vim's "middle cls token"). */
    public static TokenLayout middleCls(int h, int w) {
        return new TokenLayout(List.of(new Grid(h, w)), h * w / 2);
    }

    /** One grid without a class token. */
    public static TokenLayout plain(int h, int w) {
        return new TokenLayout(List.of(new Grid(h, w)), -1);
    }

    /** Number of patch tokens (all grids). */
    public int patchTokens() { return grids.stream().mapToInt(Grid::size).sum(); }

    /** Sequence length including the class token. */
    public int length() { return patchTokens() + (hasCls() ? 1 : 0); }

    public boolean hasCls() { return clsIndex >= 0; }

    /** The single grid of a one-grid layout. */
    public Grid grid() {
        if (grids.size() != 1) throw new IllegalStateException("layout has " + grids.size() + " grids, not one");
        return grids.get(0);
    }

    /** True when both layouts have the same grids and class-token position. */
    public boolean sameAs(TokenLayout o) { return equals(o); }
}
