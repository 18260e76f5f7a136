package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SyntheticDatasetTest {

    @Test
    void deterministicFromSeedAndDisjointSplits() {
        SyntheticDataset a = SyntheticDataset.train(50, 3, 32, 32, 42);
        SyntheticDataset b = SyntheticDataset.train(50, 3, 32, 32, 42);
        SyntheticDataset otherSeed = SyntheticDataset.train(50, 3, 32, 32, 43);
        SyntheticDataset val = SyntheticDataset.val(50, 3, 32, 32, 42);
        for (int i = 0; i < 50; i++) {
            assertArrayEquals(a.load(i).image().data(), b.load(i).image().data());
            assertFalse(java.util.Arrays.equals(a.load(i).image().data(), otherSeed.load(i).image().data()));
            assertFalse(java.util.Arrays.equals(a.load(i).image().data(), val.load(i).image().data()));
        }
    }

    @Test
    void balancedLabelsValuesInRangeAnyShape() {
        SyntheticDataset d = SyntheticDataset.train(1000, 1, 20, 36, 7);
        int[] counts = new int[10];
        for (int i = 0; i < d.size(); i++) {
            Sample s = d.load(i);
            counts[s.label()]++;
            assertEquals(d.label(i), s.label());
            assertEquals(new FloatImage(1, 20, 36, s.image().data()), s.image());
            for (float v : s.image().data()) assertTrue(v >= 0 && v <= 1);
        }
        for (int c : counts) assertEquals(100, c);
    }

    /**
     * Learnability sanity check: a nearest-class-mean classifier on a tiny hand-made feature vector
     * (mean absolute vertical and horizontal differences at two scales, and centre-minus-border contrast)
     * must beat chance (10%) by a wide margin on held-out images. A model that learns its own features
     * can only do better.
     */
    @Test
    void simpleFeaturesSeparateTheClasses() {
        SyntheticDataset train = SyntheticDataset.train(600, 1, 32, 32, 1);
        SyntheticDataset val = SyntheticDataset.val(300, 1, 32, 32, 1);
        int f = 5;
        double[][] centroid = new double[10][f];
        int[] n = new int[10];
        for (int i = 0; i < train.size(); i++) {
            Sample s = train.load(i);
            double[] x = features(s.image());
            for (int k = 0; k < f; k++) centroid[s.label()][k] += x[k];
            n[s.label()]++;
        }
        for (int c = 0; c < 10; c++) for (int k = 0; k < f; k++) centroid[c][k] /= n[c];
        int correct = 0;
        for (int i = 0; i < val.size(); i++) {
            Sample s = val.load(i);
            double[] x = features(s.image());
            int best = 0;
            double bestDist = Double.MAX_VALUE;
            for (int c = 0; c < 10; c++) {
                double dist = 0;
                for (int k = 0; k < f; k++) dist += (x[k] - centroid[c][k]) * (x[k] - centroid[c][k]);
                if (dist < bestDist) {
                    bestDist = dist;
                    best = c;
                }
            }
            if (best == s.label()) correct++;
        }
        double accuracy = correct / (double) val.size();
        assertTrue(accuracy > 0.4, "nearest-centroid accuracy " + accuracy);
    }

    private static double[] features(FloatImage img) {
        int h = img.height();
        int w = img.width();
        double dy1 = 0, dx1 = 0, dy4 = 0, dx4 = 0, centre = 0, border = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = img.get(0, y, x);
                if (y + 1 < h) dy1 += Math.abs(img.get(0, y + 1, x) - v);
                if (x + 1 < w) dx1 += Math.abs(img.get(0, y, x + 1) - v);
                if (y + 4 < h) dy4 += Math.abs(img.get(0, y + 4, x) - v);
                if (x + 4 < w) dx4 += Math.abs(img.get(0, y, x + 4) - v);
                boolean inCentre = Math.abs(y - h / 2.0) < h / 4.0 && Math.abs(x - w / 2.0) < w / 4.0;
                if (inCentre) centre += v; else border += v;
            }
        }
        double area = h * w;
        return new double[] {dy1 / area, dx1 / area, dy4 / area, dx4 / area, 4 * centre / area - 4.0 / 3 * border / area};
    }
}
