package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.ConvParams;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API planes for {@link DepthwiseConvCpu} when the output plane has the input's size (stride 1, dilation 1,
 * "same" padding: VMamba's 3×3 SS2D conv on 7×7, 4×4 and 2×2 planes). Then every tap is one shift of the flattened
 * plane, s = (ky − padH)·W + (kx − padW), and a lane mask says which outputs it reaches inside the plane: an output
 * vector is the bias plus, tap by tap, the masked product w·x[q + s]. The scalar loops spend most of their time on
 * loop control for rows of 7, 4 or 2; here a 7×7 plane is 4 vectors of 16 lanes per tap.
 *
 * <p>Same bits as the scalar loops of {@link DepthwiseConvCpu}: the same products (multiply, then add: no fused
 * multiply-add, as Java's scalar {@code y += w * x} is not fused), added in the same order — taps (ky, kx) in order for
 * the forward; for the input gradient ky descending, then kx ascending, the order in which the scalar scatter loop
 * reaches each input (output rows in order) — and masked lanes left untouched rather than given a zero product.
 */
final class DepthwiseConvSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private DepthwiseConvSimd() {}

    /** Whether the plane shifts apply: stride 1, dilation 1 and an output plane of the input's size. */
    static boolean applies(int h, int w, int kh, int kw, ConvParams p) {
        return p.strideH() == 1 && p.strideW() == 1 && p.dilationH() == 1 && p.dilationW() == 1
                && ConvParams.outSize(h, kh, 1, p.padH(), 1) == h && ConvParams.outSize(w, kw, 1, p.padW(), 1) == w;
    }

    /** Shifts and lane masks of one geometry; {@code forward} for y from x, else for dx from gy. */
    private record Taps(int[] order, int[] shift, VectorMask<Float>[][] mask, VectorMask<Float>[] tail, int blocks) {}

    private record Key(int h, int w, int kh, int kw, int ph, int pw, boolean forward) {}

    private static final Map<Key, Taps> TAPS = new ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    private static Taps taps(int h, int w, int kh, int kw, int ph, int pw, boolean forward) {
        if (TAPS.size() > 64) TAPS.clear();
        return TAPS.computeIfAbsent(new Key(h, w, kh, kw, ph, pw, forward), k -> {
            int plane = h * w, lanes = S.length(), blocks = Math.ceilDiv(plane, lanes), count = kh * kw;
            int[] order = new int[count], shift = new int[count];
            VectorMask<Float>[][] mask = new VectorMask[count][blocks];
            for (int i = 0; i < count; i++) {
                // forward: taps in (ky, kx) order; input gradient: ky descending, kx ascending
                int ky = forward ? i / kw : kh - 1 - i / kw, kx = i % kw;
                int dy = forward ? ky - ph : ph - ky, dx = forward ? kx - pw : pw - kx;
                order[i] = ky * kw + kx;
                shift[i] = dy * w + dx;
                for (int b = 0; b < blocks; b++) {
                    boolean[] on = new boolean[lanes];
                    for (int j = 0; j < lanes; j++) {
                        int q = b * lanes + j, y = q / w, x = q % w;
                        on[j] = q < plane && y + dy >= 0 && y + dy < h && x + dx >= 0 && x + dx < w;
                    }
                    mask[i][b] = VectorMask.fromArray(S, on, 0);
                }
            }
            VectorMask<Float>[] tail = new VectorMask[blocks];
            for (int b = 0; b < blocks; b++) tail[b] = S.indexInRange(b * lanes, plane);
            return new Taps(order, shift, mask, tail, blocks);
        });
    }

    /**
     * Planes [first, end) of y = conv(x, w) + bias: plane i is channel i % c of its image.
     *
     * @param x (planes, H·W) from {@code xo}; w (C, kh·kw) from {@code wo}; bias (C) from {@code bo} or null; y (planes, H·W)
     */
    static void forward(float[] x, int xo, float[] wt, int wo, float[] bias, int bo, float[] y, int first, int end,
                        int c, int h, int w, int kh, int kw, int ph, int pw) {
        planes(taps(h, w, kh, kw, ph, pw, true), x, xo, wt, wo, bias, bo, y, first, end, c, h * w, kh * kw);
    }

    /**
     * Planes [first, end) of dx for y = conv(x, w) (no bias): dx[p] = Σ w·gy[p − s] over the taps that reach p.
     *
     * @param gy (planes, H·W) from {@code go}; w (C, kh·kw) from {@code wo}; dx (planes, H·W)
     */
    static void inputGrad(float[] gy, int go, float[] wt, int wo, float[] dx, int first, int end,
                          int c, int h, int w, int kh, int kw, int ph, int pw) {
        planes(taps(h, w, kh, kw, ph, pw, false), gy, go, wt, wo, null, 0, dx, first, end, c, h * w, kh * kw);
    }

    /** dst plane = start (bias or 0) + Σ over taps t (in t's order) of the masked w_t·src[q + shift_t]. */
    private static void planes(Taps t, float[] src, int so, float[] wt, int wo, float[] bias, int bo, float[] dst,
                               int first, int end, int c, int plane, int count) {
        int lanes = S.length();
        for (int pl = first; pl < end; pl++) {
            int ch = pl % c, sBase = so + pl * plane, dBase = pl * plane, wBase = wo + ch * count;
            FloatVector start = FloatVector.broadcast(S, bias == null ? 0f : bias[bo + ch]);
            for (int b = 0; b < t.blocks; b++) {
                int q0 = b * lanes;
                FloatVector acc = start;
                for (int i = 0; i < count; i++) {
                    VectorMask<Float> m = t.mask[i][b];
                    FloatVector v = FloatVector.fromArray(S, src, sBase + q0 + t.shift[i], m);
                    acc = acc.add(v.mul(wt[wBase + t.order[i]]), m);
                }
                acc.intoArray(dst, dBase + q0, t.tail[b]);
            }
        }
    }
}
