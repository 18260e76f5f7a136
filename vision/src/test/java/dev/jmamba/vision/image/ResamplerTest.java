package dev.jmamba.vision.image;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ResamplerTest {

    /**
     * Plain reference: each output pixel is a direct 2-D weighted sum in double precision, with the weights
     * of each axis computed from the filter formula (PIL's definition: support stretched by max(scale, 1),
     * taps limited to the crop box, weights normalised per axis).
     */
    static float[] reference(FloatImage src, int top, int left, int boxH, int boxW, int outH, int outW, Resampler.Filter filter) {
        float[] out = new float[src.channels() * outH * outW];
        for (int c = 0; c < src.channels(); c++) {
            for (int oy = 0; oy < outH; oy++) {
                double[] wy = axisWeights(boxH, outH, oy, filter);
                for (int ox = 0; ox < outW; ox++) {
                    double[] wx = axisWeights(boxW, outW, ox, filter);
                    double acc = 0;
                    for (int y = 0; y < boxH; y++) {
                        for (int x = 0; x < boxW; x++) acc += wy[y] * wx[x] * src.get(c, top + y, left + x);
                    }
                    if (filter == Resampler.Filter.BICUBIC) acc = Math.clamp(acc, 0, 1);
                    out[(c * outH + oy) * outW + ox] = (float) acc;
                }
            }
        }
        return out;
    }

    private static double[] axisWeights(int in, int out, int i, Resampler.Filter filter) {
        double scale = (double) in / out;
        double fs = Math.max(scale, 1);
        double center = (i + 0.5) * scale;
        double support = filter == Resampler.Filter.BILINEAR ? fs : 2 * fs;
        double[] w = new double[in];
        double sum = 0;
        for (int j = 0; j < in; j++) {
            // pixel j's centre is j + 0.5; it contributes only if it lies within the rounded support window
            int lo = Math.max((int) (center - support + 0.5), 0);
            int hi = Math.min((int) (center + support + 0.5), in);
            if (j < lo || j >= hi) continue;
            w[j] = filter.weight((j + 0.5 - center) / fs);
            sum += w[j];
        }
        for (int j = 0; j < in; j++) w[j] /= sum;
        return w;
    }

    @Test
    void matchesTheDirectReferenceForRandomBoxesAndSizes() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 40; trial++) {
            int h = 5 + rng.nextInt(30);
            int w = 5 + rng.nextInt(30);
            float[] data = new float[2 * h * w];
            for (int i = 0; i < data.length; i++) data[i] = rng.nextFloat();
            FloatImage src = new FloatImage(2, h, w, data);
            int boxH = 1 + rng.nextInt(h);
            int boxW = 1 + rng.nextInt(w);
            int top = rng.nextInt(h - boxH + 1);
            int left = rng.nextInt(w - boxW + 1);
            int outH = 1 + rng.nextInt(40);
            int outW = 1 + rng.nextInt(40);
            Resampler.Filter filter = trial % 2 == 0 ? Resampler.Filter.BILINEAR : Resampler.Filter.BICUBIC;
            float[] fast = Resampler.resizeRegion(src, top, left, boxH, boxW, outH, outW, filter).data();
            float[] ref = reference(src, top, left, boxH, boxW, outH, outW, filter);
            // float accumulation of at most a few hundred normalised taps of values in [0, 1]: error far below 1e-5
            for (int i = 0; i < ref.length; i++) assertEquals(ref[i], fast[i], 1e-5f, "trial " + trial + " element " + i);
        }
    }

    @Test
    void sameSizeIsTheIdentityAndConstantsStayConstant() {
        SplittableRandom rng = new SplittableRandom(2);
        float[] data = new float[3 * 9 * 13];
        for (int i = 0; i < data.length; i++) data[i] = rng.nextFloat();
        FloatImage src = new FloatImage(3, 9, 13, data);
        for (Resampler.Filter f : Resampler.Filter.values()) {
            assertArrayEquals(data, Resampler.resize(src, 9, 13, f).data(), 1e-6f);
            float[] constant = new float[3 * 40 * 30];
            java.util.Arrays.fill(constant, 0.37f);
            for (float v : Resampler.resize(new FloatImage(3, 40, 30, constant), 7, 11, f).data()) assertEquals(0.37f, v, 1e-6f);
        }
    }
}
