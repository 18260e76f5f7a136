package dev.jmamba.ssm.kernel;

/**
 * Transposing copies between the (B, D, L) layout of u, delta, z, out (one channel's positions
 * contiguous) and the channel-block tiles of {@code ScanBlocksSimd}: a tile holds {@code width}
 * channels d0..d0 + width − 1 for up to K positions as (K, width), so that one SIMD vector is one
 * position of all the block's channels. Lanes past {@code count} (a partial last block of a group)
 * are zero on load and never written back. Plain loops, no Vector API.
 */
final class ScanTiles {

    private ScanTiles() {}

    /**
     * tile[k · width + j] = src[row + j · stride + k] for j < count, k < len; 0 for count ≤ j < width.
     *
     * @param src (B, D, L) array; {@code row} indexes (b, d0, l0) and {@code stride} = L
     */
    static void load(float[] src, int row, int stride, int len, int count, int width, float[] tile) {
        for (int j = 0; j < count; j++) {
            int s = row + j * stride;
            for (int k = 0, t = j; k < len; k++, t += width) tile[t] = src[s + k];
        }
        for (int j = count; j < width; j++)
            for (int k = 0, t = j; k < len; k++, t += width) tile[t] = 0f;
    }

    /** The inverse of {@link #load}: dst[row + j · stride + k] = tile[k · width + j] for j < count, k < len. */
    static void store(float[] tile, int len, int count, int width, float[] dst, int row, int stride) {
        for (int j = 0; j < count; j++) {
            int s = row + j * stride;
            for (int k = 0, t = j; k < len; k++, t += width) dst[s + k] = tile[t];
        }
    }

    /**
     * Per-channel rows to a (rows, width) tile: tile[r · width + j] = src[first + j · stride + r]
     * for j < count, 0 beyond; used for A (D, N) → (N, width) and a chunk state (.., N) → (N, width).
     */
    static void loadColumns(float[] src, int first, int stride, int rows, int count, int width, float[] tile) {
        load(src, first, stride, rows, count, width, tile);
    }

    /** (D) per-channel values d0..d0 + count − 1 into a (width) lane array, {@code absent} where src is null, 0 past count. */
    static void loadLanes(float[] src, int d0, int count, float absent, float[] lanes) {
        for (int j = 0; j < lanes.length; j++) lanes[j] = j >= count ? 0f : src == null ? absent : src[d0 + j];
    }
}
