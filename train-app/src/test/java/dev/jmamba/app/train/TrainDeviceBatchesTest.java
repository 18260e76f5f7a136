package dev.jmamba.app.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.jmamba.app.data.HostSlotDecoding;
import dev.jmamba.app.data.ImageFolder;
import dev.jmamba.app.data.LoaderBench;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.vision.models.ModelRegistry.ModelChoice;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer on device batches ({@code --decoder nvjpeg}'s path: DeviceBatchLoader, TrainStep on
 * device images, slots released after each step) with the host slot decoder on the CPU, against the
 * trainer on host batches decoded by ImageIO (no DCT scaling there either, so the pixels are the
 * same): with mixup, cutmix, random erasing and label smoothing the final weights must be equal bit for
 * bit, and a run stopped in the middle of an epoch and resumed must end with the same weights too.
 */
@Timeout(300)
class TrainDeviceBatchesTest {
    @TempDir Path tmp;

    private RunConfig config(Path data) {
        ImageFolder train = ImageFolder.train(data);
        ModelChoice model = new ModelChoice("tiny-cnn", train.numClasses(), 3, 16, 0, 3);
        RunConfig.DataSpec spec = new RunConfig.DataSpec("folder", data.toString(), 0, 0, train.classNames(), 3,
                train.normalization().mean(), train.normalization().std(), "light");
        // batch 8 of 48 images: 6 steps per epoch, 9 steps (into the second epoch); mixup, cutmix, erasing 0.25, smoothing 0.1
        RunConfig.Recipe recipe = new RunConfig.Recipe(8, 2, 6, 9, 2e-3, 1, 1e-6, 1e-5, 0.05, 0.1, 0.8, 1.0, 0.25, 0, 1.0, 7);
        return new RunConfig(model, spec, recipe);
    }

    private static Trainer.Options options(Path dir, long stopAt, TrainDecoder decoder) {
        return new Trainer.Options(dir, Device.CPU, 2, 0, stopAt, 3, false, 5, false, null, false, decoder);
    }

    private static Map<String, Tensor> weights(Path run) {
        return CheckpointStore.load(run, true).model();
    }

    @Test
    void deviceBatchesTrainLikeHostBatchesAndResumeInTheMiddleOfAnEpoch() {
        Path data = tmp.resolve("jpegs");
        LoaderBench.writeJpegFolder(data, "train", 48, 2, 40, 30, 1);
        LoaderBench.writeJpegFolder(data, "val", 8, 2, 40, 30, 2);
        RunConfig cfg = config(data);
        PrintWriter quiet = new PrintWriter(Writer.nullWriter());
        Path host = tmp.resolve("host"), device = tmp.resolve("device"), resumed = tmp.resolve("resumed");
        assertTrue(Trainer.run(cfg, null, options(host, 0, TrainDecoder.IMAGEIO), quiet).finished());
        HostSlotDecoding slots = new HostSlotDecoding();
        assertTrue(Trainer.run(cfg, null, options(device, 0, TrainDecoder.NVJPEG), quiet, null, slots).finished());
        assertEquals(9 + 3, slots.records.get(), "one fence record per slot and one per step");
        assertTrue(slots.boxes.get() > 0, "random erasing wrote boxes");
        Trainer.Outcome stopped = Trainer.run(cfg, null, options(resumed, 4, TrainDecoder.NVJPEG), quiet, null, new HostSlotDecoding());
        assertFalse(stopped.finished());
        assertEquals(4, stopped.step());
        assertTrue(Trainer.run(cfg, CheckpointStore.load(resumed, true), options(resumed, 0, TrainDecoder.NVJPEG), quiet, null,
                new HostSlotDecoding()).finished());
        Map<String, Tensor> a = weights(host), b = weights(device), c = weights(resumed);
        assertEquals(a.keySet(), b.keySet());
        boolean moved = false;
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), "device batches vs host batches: " + k);
            assertArrayEquals(b.get(k).toDoubleArray(), c.get(k).toDoubleArray(), "resumed vs straight: " + k);
        }
        var fresh = Trainer.buildModel(cfg, Device.CPU).module().stateDict();
        for (String k : a.keySet()) moved |= !java.util.Arrays.equals(fresh.get(k).toDoubleArray(), a.get(k).toDoubleArray());
        assertTrue(moved, "training changed the weights (the comparison is not vacuous)");
    }
}
