package dev.jmamba.app.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

    @TempDir Path dir;

    /** IDX bytes: magic 0x0000 08 NN, dims, data. */
    static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(0x0800 | dims.length);
        for (int d : dims) b.putInt(d);
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    /** Writes a 5-image 4×3 split with the given prefix; returns the pixel bytes. */
    private byte[] writeSplit(String prefix, boolean gz, byte[] labels) throws IOException {
        SplittableRandom rng = new SplittableRandom(3);
        byte[] pixels = new byte[labels.length * 4 * 3];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) rng.nextInt(256);
        byte[] images = idx(new int[] {labels.length, 4, 3}, pixels);
        byte[] labelFile = idx(new int[] {labels.length}, labels);
        String suffix = gz ? ".gz" : "";
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), gz ? gzip(images) : images);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), gz ? gzip(labelFile) : labelFile);
        return pixels;
    }

    @Test
    void readsPlainAndGzippedIdxFiles() throws IOException {
        byte[] trainLabels = {3, 0, 9, 1, 3};
        byte[] trainPixels = writeSplit("train", true, trainLabels);
        byte[] testLabels = {7, 2};
        byte[] testPixels = writeSplit("t10k", false, testLabels);

        FashionMnist train = FashionMnist.train(dir);
        FashionMnist test = FashionMnist.test(dir);
        assertEquals(5, train.size());
        assertEquals(2, test.size());
        assertEquals(new Dataset.Size(4, 3), train.nativeSize().orElseThrow());
        assertEquals(1, train.channels());
        assertEquals(10, train.numClasses());
        assertEquals("Ankle boot", train.classNames().get(9));
        for (int i = 0; i < 5; i++) {
            Sample s = train.load(i);
            assertEquals(trainLabels[i], s.label());
            assertEquals(trainLabels[i], train.label(i));
            for (int p = 0; p < 12; p++) assertEquals((trainPixels[i * 12 + p] & 0xff) / 255f, s.image().data()[p], 1e-6f);
        }
        assertEquals((testPixels[12 + 5] & 0xff) / 255f, test.load(1).image().data()[5], 1e-6f);
        assertEquals(7, test.label(0));
    }

    @Test
    void truncatedFileNamesTheFile() throws IOException {
        writeSplit("train", false, new byte[] {1, 2, 3, 4, 5});
        Path images = dir.resolve("train-images-idx3-ubyte");
        byte[] all = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(all, all.length - 7));
        DataException e = assertThrows(DataException.class, () -> FashionMnist.train(dir));
        assertTrue(e.getMessage().contains(images.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("53"), e.getMessage()); // 60 data bytes promised, 53 follow
    }

    @Test
    void truncatedGzipNamesTheFile() throws IOException {
        writeSplit("train", true, new byte[] {1, 2, 3, 4, 5});
        Path labels = dir.resolve("train-labels-idx1-ubyte.gz");
        byte[] all = Files.readAllBytes(labels);
        Files.write(labels, Arrays.copyOf(all, all.length - 10));
        DataException e = assertThrows(DataException.class, () -> FashionMnist.train(dir));
        assertTrue(e.getMessage().startsWith(labels.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void badMagicIsRejected() throws IOException {
        writeSplit("train", false, new byte[] {1, 2});
        Path labels = dir.resolve("train-labels-idx1-ubyte");
        byte[] all = Files.readAllBytes(labels);
        all[3] = 3; // claims 3 dimensions
        Files.write(labels, all);
        DataException e = assertThrows(DataException.class, () -> FashionMnist.train(dir));
        assertTrue(e.getMessage().contains("magic") && e.getMessage().contains("0x00000803"), e.getMessage());
        assertTrue(e.getMessage().contains(labels.toString()), e.getMessage());
    }

    @Test
    void countMismatchAndBadLabelsAndMissingFilesAreRejected() throws IOException {
        writeSplit("train", false, new byte[] {1, 2, 3});
        Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(new int[] {2}, new byte[] {1, 2}));
        DataException mismatch = assertThrows(DataException.class, () -> FashionMnist.train(dir));
        assertTrue(mismatch.getMessage().contains("3 images") && mismatch.getMessage().contains("2 labels"), mismatch.getMessage());

        Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(new int[] {3}, new byte[] {1, 12, 2}));
        DataException badLabel = assertThrows(DataException.class, () -> FashionMnist.train(dir));
        assertTrue(badLabel.getMessage().contains("label 12"), badLabel.getMessage());

        DataException missing = assertThrows(DataException.class, () -> FashionMnist.test(dir));
        assertTrue(missing.getMessage().contains("t10k-images-idx3-ubyte"), missing.getMessage());
    }

    @Test
    void realFashionMnistHasBalancedClassesAndKnownStatistics() {
        Assumptions.assumeTrue(FashionMnist.isPresent(FashionMnist.DEFAULT_DIR), "Fashion-MNIST not installed");
        FashionMnist train = FashionMnist.train(FashionMnist.DEFAULT_DIR);
        FashionMnist test = FashionMnist.test(FashionMnist.DEFAULT_DIR);
        assertEquals(60000, train.size());
        assertEquals(10000, test.size());
        assertArrayEquals(filled(6000), histogram(train));
        assertArrayEquals(filled(1000), histogram(test));
        assertEquals(new Dataset.Size(28, 28), train.nativeSize().orElseThrow());

        // The normalisation constants are the training-set pixel mean and std (checked to the 4 digits quoted).
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < train.size(); i++) {
            for (float v : train.load(i).image().data()) {
                sum += v;
                sumSq += (double) v * v;
            }
        }
        double n = 60000.0 * 784;
        double mean = sum / n;
        double std = Math.sqrt(sumSq / n - mean * mean);
        assertEquals(0.2860, mean, 5e-5);
        assertEquals(0.3530, std, 5e-5);
    }

    private static int[] histogram(Dataset d) {
        int[] h = new int[d.numClasses()];
        for (int i = 0; i < d.size(); i++) h[d.label(i)]++;
        return h;
    }

    private static int[] filled(int v) {
        int[] a = new int[10];
        Arrays.fill(a, v);
        return a;
    }
}
