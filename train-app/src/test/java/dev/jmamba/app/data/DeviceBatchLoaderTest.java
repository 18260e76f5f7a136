package dev.jmamba.app.data;

import static org.junit.jupiter.api.Assertions.*;

import dev.jmamba.vision.image.Resampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DeviceBatchLoader} gives the host {@link DataLoader}'s batches: the same indices, labels,
 * crops, flips and random-erasing boxes and noise (per-sample streams), mixup / cutmix (per-batch
 * streams), shards and mid-epoch starts. With the host slot decoder ({@link HostSlotDecoding}: ImageIO pixels, FusedCrop's
 * resampling — what nvJPEG + image.cu compute on a GPU from their pixels) against the host loader
 * reading the same files with ImageIO and DCT scaling off, every batch must be equal bit for bit;
 * files the slot decoder refuses or that are damaged take the host path with the same result.
 */
@Timeout(120)
class DeviceBatchLoaderTest {
    private static final int S = 16, N = 26, CLASSES = 3;

    @TempDir static Path dir;
    private static ImageFolder folder;

    private static synchronized ImageFolder folder() throws IOException {
        if (folder == null) {
            LoaderBench.writeJpegFolder(dir, "train", N, CLASSES, 40, 30, 5);
            Path c1 = dir.resolve("train/class1");
            // a file the slot decoder refuses (host path), and a damaged one (replaced by the next readable image on both paths)
            Files.copy(c1.resolve("img00001.jpg"), c1.resolve("img00001-refuse.jpg"));
            byte[] whole = Files.readAllBytes(c1.resolve("img00004.jpg"));
            Files.write(c1.resolve("img00004-truncated.jpg"), java.util.Arrays.copyOf(whole, whole.length / 3));
            folder = ImageFolder.train(dir).withDecoder(ImageDecoding.Decoder.IMAGEIO);
        }
        return folder;
    }

    private static SamplePipeline pipeline(ImageFolder f) {
        return pipeline(f, 0);
    }

    private static SamplePipeline pipeline(ImageFolder f, double erasing) {
        return SamplePipeline.imagenetTrain(f, S, Resampler.Filter.BICUBIC, erasing).withDctScaling(false);
    }

    /** Compares epochs {@code epochs} from {@code start} batch on with the host loader's batches. */
    private static HostSlotDecoding compare(MixupCutmix mixing, int batch, int workers, int slots, Shard shard, int start, int... epochs)
            throws IOException {
        return compare(0, mixing, batch, workers, slots, shard, start, epochs);
    }

    private static HostSlotDecoding compare(double erasing, MixupCutmix mixing, int batch, int workers, int slots, Shard shard, int start,
                                            int... epochs) throws IOException {
        ImageFolder f = folder();
        SamplePipeline p = pipeline(f, erasing);
        HostSlotDecoding decoding = new HostSlotDecoding();
        int released = 0;
        try (DataLoader host = new DataLoader(f, p, mixing, DataLoader.Options.training(batch, 2, 11), shard);
             DeviceBatchLoader device = new DeviceBatchLoader(f, p.fused(), mixing, new DeviceBatchLoader.Options(batch, workers, slots, 11),
                     shard, decoding)) {
            assertEquals(host.batchesPerEpoch(), device.batchesPerEpoch());
            assertArrayEquals(host.pipelineShape(), device.imageShape());
            for (int epoch : epochs) {
                int seen = 0;
                try (DeviceBatchLoader.EpochIterator it = device.epoch(epoch, start)) {
                    while (it.hasNext()) {
                        DeviceBatch d = it.next();
                        Batch h = host.loadBatch(epoch, start + seen);
                        String where = "epoch " + epoch + ", batch " + (start + seen);
                        assertEquals(start + seen, d.batchIndex(), where);
                        assertEquals(epoch, d.epoch());
                        assertArrayEquals(h.indices(), d.indices(), where);
                        assertArrayEquals(h.labels(), d.labels(), where);
                        assertArrayEquals(h.images(), d.images().toFloatArray(), where);
                        if (mixing == null) assertNull(d.softTargets());
                        else assertArrayEquals(h.softTargets(), d.softTargets(), where);
                        d.release();
                        d.release();                     // a second release is ignored
                        released++;
                        seen++;
                    }
                }
                assertEquals(device.batchesPerEpoch() - start, seen);
            }
        }
        assertEquals(slots + released, decoding.records.get(), "one fence record per slot (after its allocation) and per released batch");
        return decoding;
    }

    @Test
    void batchesEqualTheHostLoadersOverTwoEpochs() throws IOException {
        HostSlotDecoding d = compare(null, 4, 3, 2, Shard.NONE, 0, 0, 1);
        assertTrue(d.hostWrites.get() > 0, "the refused and the damaged file went through the host path");
    }

    @Test
    void mixupAndCutmixAreTheHostLoadersOnAnOddBatch() throws IOException {
        compare(MixupCutmix.recipe(CLASSES), 5, 2, 3, Shard.NONE, 0, 0, 1, 2);
    }

    @Test
    void randomErasingDrawsTheHostLoadersBoxesAndNoise() throws IOException {
        HostSlotDecoding d = compare(0.5, MixupCutmix.recipe(CLASSES), 4, 3, 2, Shard.NONE, 0, 0, 1);
        assertTrue(d.boxes.get() > 0, "some boxes were erased");
    }

    @Test
    void aShardStartedInTheMiddleOfAnEpochIsTheHostLoaders() throws IOException {
        compare(MixupCutmix.recipe(CLASSES), 3, 4, 2, new Shard(1, 2), 2, 3);
        compare(null, 3, 1, 2, new Shard(0, 2), 1, 0);
    }

    @Test
    void quiesceWaitsForTheBatchesInPreparation() throws IOException {
        ImageFolder f = folder();
        HostSlotDecoding decoding = new HostSlotDecoding();
        try (DeviceBatchLoader device = new DeviceBatchLoader(f, pipeline(f).fused(), null, new DeviceBatchLoader.Options(4, 2, 3, 1),
                Shard.NONE, decoding);
             DeviceBatchLoader.EpochIterator it = device.epoch(0, 0)) {
            it.next();
            it.quiesce();
            assertEquals(3 * 2, decoding.finishes.get(), "three batches started, two slices each, all finished");
        }
    }

    @Test
    void aBatchIsHandedOutOnlyWhileASlotIsFree() throws IOException {
        ImageFolder f = folder();
        try (DeviceBatchLoader device = new DeviceBatchLoader(f, pipeline(f).fused(), null, new DeviceBatchLoader.Options(4, 2, 2, 1),
                Shard.NONE, new HostSlotDecoding());
             DeviceBatchLoader.EpochIterator it = device.epoch(0, 0)) {
            DeviceBatch a = it.next(), b = it.next();
            assertNotSame(a.images(), b.images(), "two slots");
            IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
            assertTrue(e.getMessage().contains("release each DeviceBatch"), e.getMessage());
        }
    }

    @Test
    void aSlotReleasedOutOfOrderWaitsForItsTurnAndBatchesStayTheHostLoaders() throws IOException {
        ImageFolder f = folder();
        SamplePipeline p = pipeline(f);
        try (DataLoader host = new DataLoader(f, p, null, DataLoader.Options.training(4, 1, 1));
             DeviceBatchLoader device = new DeviceBatchLoader(f, p.fused(), null, new DeviceBatchLoader.Options(4, 2, 2, 1), Shard.NONE,
                     new HostSlotDecoding());
             DeviceBatchLoader.EpochIterator it = device.epoch(0, 0)) {
            DeviceBatch a = it.next(), b = it.next();
            b.release();                                   // the ring's next slot is a's: nothing may start in it yet
            assertThrows(IllegalStateException.class, it::next);
            a.release();
            for (int k = 2; it.hasNext(); k++) {
                DeviceBatch d = it.next();
                assertArrayEquals(host.loadBatch(0, k).images(), d.images().toFloatArray(), "batch " + k);
                d.release();
            }
        }
    }

    @Test
    void refusesOtherTailTransformsAndDataThatAreNotFiles() throws IOException {
        ImageFolder f = folder();
        FusedCrop plain = pipeline(f).fused();
        FusedCrop withFlipTail = new FusedCrop(plain.geometry(), 0.5, plain.normalization(), dev.jmamba.vision.image.ImageTransform.horizontalFlip(1), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DeviceBatchLoader(f, withFlipTail, null,
                DeviceBatchLoader.Options.training(4, 1, 0), Shard.NONE, new HostSlotDecoding()));
        assertTrue(e.getMessage().contains("random erasing as the only per-sample tail transform"), e.getMessage());
        Dataset synthetic = SyntheticDataset.train(20, 3, 8, 8, 1);
        e = assertThrows(IllegalArgumentException.class, () -> new DeviceBatchLoader(synthetic, pipeline(f).fused(), null,
                DeviceBatchLoader.Options.training(4, 1, 0), Shard.NONE, new HostSlotDecoding()));
        assertTrue(e.getMessage().contains("not a folder of image files"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DeviceBatchLoader.Options(4, 1, 1, 0));
    }
}
