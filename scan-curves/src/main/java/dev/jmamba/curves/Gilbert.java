package dev.jmamba.curves;

/**
 * Generalised Hilbert curve ("gilbert") for any W×H rectangle, following the recursion of
 * scan-curves spec §2 (after J. Červený's gilbert2d description). On 2^k × 2^k squares it is the
 * classical Hilbert curve. It starts at (0,0); for W ≥ H it ends at (W−1, 0), otherwise at (0, H−1).
 * All steps are to 4-neighbours except when the parity of the sides makes that impossible; then a
 * single diagonal step is inserted (see the README for the exact sizes).
 *
 * <p>Java port note: the recursion uses floor division ({@link Math#floorDiv}) as Python's {@code //};
 * plain {@code /} would round the negative vectors of the third sub-call the wrong way.
 */
final class Gilbert {
    private Gilbert() {}

    /** (H*W) permutation of flat indices {@code row*W+col} along the generalised Hilbert curve. */
    static int[] order(int h, int w) {
        Emitter out = new Emitter(w, h * w);
        if (w >= h) walk(out, 0, 0, w, 0, 0, h);
        else walk(out, 0, 0, 0, h, w, 0);
        return out.perm;
    }

    /** Collects visited cells (x = column, y = row) as flat indices. */
    private static final class Emitter {
        final int width;
        final int[] perm;
        int next;

        Emitter(int width, int length) {
            this.width = width;
            this.perm = new int[length];
        }

        void emit(int x, int y) { perm[next++] = y * width + x; }
    }

    /**
     * Visits the rectangle with origin corner (x, y), major side vector (ax, ay) and minor side
     * vector (bx, by); exactly one component of each vector is non-zero.
     */
    private static void walk(Emitter out, int x, int y, int ax, int ay, int bx, int by) {
        int w = Math.abs(ax + ay);
        int h = Math.abs(bx + by);
        int ux = Integer.signum(ax), uy = Integer.signum(ay);
        int vx = Integer.signum(bx), vy = Integer.signum(by);

        if (h == 1) {
            for (int i = 0; i < w; i++) out.emit(x + i * ux, y + i * uy);
            return;
        }
        if (w == 1) {
            for (int i = 0; i < h; i++) out.emit(x + i * vx, y + i * vy);
            return;
        }

        int hax = Math.floorDiv(ax, 2), hay = Math.floorDiv(ay, 2);
        int hbx = Math.floorDiv(bx, 2), hby = Math.floorDiv(by, 2);

        if (2 * w > 3 * h) {
            // Long and thin: split the major side into two halves of even length when possible.
            if (Math.abs(hax + hay) % 2 == 1 && w > 2) {
                hax += ux;
                hay += uy;
            }
            walk(out, x, y, hax, hay, bx, by);
            walk(out, x + hax, y + hay, ax - hax, ay - hay, bx, by);
        } else {
            // Hilbert-like split in three: up (axes swapped), across, down (reversed).
            if (Math.abs(hbx + hby) % 2 == 1 && h > 2) {
                hbx += vx;
                hby += vy;
            }
            walk(out, x, y, hbx, hby, hax, hay);
            walk(out, x + hbx, y + hby, ax, ay, bx - hbx, by - hby);
            walk(out, x + (ax - ux) + (hbx - vx), y + (ay - uy) + (hby - vy),
                    -hbx, -hby, -(ax - hax), -(ay - hay));
        }
    }
}
