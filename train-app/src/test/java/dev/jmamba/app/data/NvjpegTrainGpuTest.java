package dev.jmamba.app.data;

import static org.junit.jupiter.api.Assertions.*;

import dev.jmamba.app.AppRun;
import dev.jmamba.app.data.cuda.NvjpegSlots;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.cuda.NvjpegDecoder;
import dev.jmamba.vision.image.Resampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --decoder nvjpeg} on a CUDA machine with libnvjpeg:
 * <ol>
 *   <li>{@link DeviceBatchLoader} with nvJPEG, started in the middle of an epoch with random erasing
 *   (p 0.5) and mixup / cutmix, gives the host loader's indices, labels and soft targets exactly, and
 *   pixels equal to the host
 *   path's computed from TurboJPEG's decode with {@code TJFLAG_FASTUPSAMPLE} (nvJPEG replicates chroma
 *   as that flag does; NvjpegGpuTest measured mean 0.000 levels on baseline JPEGs) and
 *   {@link FusedCrop#resample}, erased by {@link RandomErasing} (its noise is exact) and mixed with the array
 *   {@link MixupCutmix}. Tolerance: conforming IDCTs
 *   may differ by 1 level per pixel; through the bicubic taps (Σ|w| ≤ 1.3) and the normalisation
 *   (1 level ≈ 0.0174 at std 0.225) that is ≤ 0.023 per value, and mixing (λ + (1 − λ) = 1) keeps
 *   the bound: asserted max |diff| ≤ 0.07 (4 levels) and mean ≤ 0.003.</li>
 *   <li>{@code train --decoder nvjpeg} runs eagerly and with {@code --graph}, with random erasing and mixup / cutmix,
 *   stops in the middle of an epoch and resumes there, with finite losses in every record.</li>
 * </ol>
 */
@Tag("gpu")
class NvjpegTrainGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final int B = 16, S = 224;
    private static final long SEED = 13;

    @TempDir static Path dir;

    @BeforeAll
    static void requireNvjpegAndData() {
        String why = NvjpegDecoder.unavailableReason(GPU);
        org.junit.jupiter.api.Assumptions.assumeTrue(why == null, () -> "nvJPEG path not available: " + why);
        org.junit.jupiter.api.Assumptions.assumeTrue(TurboJpeg.available(), () -> "libturbojpeg missing: " + TurboJpeg.unavailableReason());
        LoaderBench.writeJpegFolder(dir, "train", 96, 4, 500, 375, 3);
        LoaderBench.writeJpegFolder(dir, "val", 16, 4, 500, 375, 4);
    }

    /** The host path's floats for sample {@code index} of {@code epoch}: TurboJPEG with fast upsampling at full size, FusedCrop.resample. */
    private static void expected(ImageFolder folder, FusedCrop crop, int epoch, int index, float[] dst, int offset) throws Exception {
        TurboJpeg.Decoder tj = TurboJpeg.decoder();
        TurboJpeg.Header header = tj.open(folder.file(index));
        TurboJpeg.Decoded d = tj.decode(header, 8, TurboJpeg.TJFLAG_FASTUPSAMPLE);
        byte[] rgb = Arrays.copyOf(d.rgb(), 3 * d.width() * d.height());
        java.util.SplittableRandom rng = Seeds.forSample(SEED, epoch, index);
        FusedCrop.Plan plan = crop.plan(d.height(), d.width(), rng);
        int s = crop.size(), n = 3 * s * s;
        float[] image = new float[n];
        FusedCrop.resample(new ImageDecoding.RgbBytes(d.width(), d.height(), rgb), plan.top(), plan.left(), plan.boxH(), plan.boxW(),
                plan.outH(), plan.outW(), plan.winTop(), plan.winLeft(), s, crop.filter(), plan.flip(), crop.normalization(), image, 0);
        if (crop.tail() != null) image = crop.tail().apply(new dev.jmamba.vision.image.FloatImage(3, s, s, image), rng).data();
        System.arraycopy(image, 0, dst, offset, n);
    }

    @Test
    void batchesWithErasingAndMixingEqualTheHostPathWithFastUpsamplingWithinTheIdctsRounding() throws Exception {
        ImageFolder folder = ImageFolder.train(dir);
        SamplePipeline p = SamplePipeline.imagenetTrain(folder, S, Resampler.Filter.BICUBIC, 0.5).withDctScaling(false);
        MixupCutmix mixing = MixupCutmix.recipe(folder.numClasses());
        int n = 3 * S * S;
        try (DataLoader host = new DataLoader(folder, p, mixing, DataLoader.Options.training(B, 2, SEED));
             DeviceBatchLoader device = new DeviceBatchLoader(folder, p.fused(), mixing, DeviceBatchLoader.Options.training(B, 4, SEED),
                     Shard.NONE, new NvjpegSlots(GPU));
             DeviceBatchLoader.EpochIterator it = device.epoch(1, 1)) {
            for (int b = 1; it.hasNext(); b++) {
                DeviceBatch d = it.next();
                Batch h = host.loadBatch(1, b);
                assertArrayEquals(h.indices(), d.indices(), "batch " + b);
                assertArrayEquals(h.labels(), d.labels(), "batch " + b);
                assertArrayEquals(h.softTargets(), d.softTargets(), "batch " + b);
                float[] want = new float[B * n];
                for (int k = 0; k < B; k++) expected(folder, p.fused(), 1, d.indices()[k], want, k * n);
                MixupCutmix.Result r = mixing.apply(want, d.labels(), 3, S, S, Seeds.forBatch(SEED, 1, b));
                float[] got = d.images().to(Device.CPU).toFloatArray();
                d.release();
                double sum = 0, max = 0;
                for (int i = 0; i < want.length; i++) {
                    assertTrue(Float.isFinite(got[i]), "finite");
                    double diff = Math.abs(got[i] - want[i]);
                    sum += diff;
                    max = Math.max(max, diff);
                }
                double mean = sum / want.length;
                System.out.printf("nvJPEG device batch %d (%s, lambda %.3f) vs host path with fast upsampling: mean |diff| %.5f, max %.4f%n",
                        b, r.cutmix() ? "cutmix" : "mixup", r.lambda(), mean, max);
                assertTrue(mean <= 0.003 && max <= 0.07, "batch " + b + ": mean " + mean + ", max " + max);
            }
            assertEquals(0, device.hostDecoded(), "every generated JPEG decodes with nvJPEG");
        }
    }

    private static void assertFiniteSteps(Path run, int records) throws Exception {
        List<String> steps = Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"type\":\"step\"")).toList();
        assertTrue(steps.size() >= records, "step records: " + steps);
        for (String l : steps) assertFalse(l.contains("NaN") || l.contains("Infinity"), l);
    }

    @Test
    void trainRunsEagerlyWithGraphsAndResumesInTheMiddleOfAnEpoch() throws Exception {
        String[] common = {"--data", dir.toString(), "--decoder", "nvjpeg", "--device", "cuda", "--model", "vim-nano", "--resolution", "64",
                "--batch-size", "16", "--max-steps", "8", "--log-every", "2", "--workers", "4", "--mixup", "0.8", "--cutmix", "1.0", "--random-erasing", "0.25"};
        for (String mode : new String[] {"eager", "graph"}) {
            Path out = dir.resolve("run-" + mode);
            String[] args = concat(new String[] {"train", "--out", out.toString()}, common);
            if (mode.equals("graph")) args = concat(args, new String[] {"--graph"});
            AppRun.Result r = AppRun.run(args);
            assertEquals(0, r.exitCode(), r.err());
            assertFiniteSteps(out, 4);
            if (mode.equals("graph")) assertTrue(r.out().contains("captured in a CUDA graph"), r.out());
        }
        Path out = dir.resolve("run-resumed");
        AppRun.Result first = AppRun.run(concat(new String[] {"train", "--out", out.toString(), "--stop-at-step", "3"}, common));
        assertEquals(0, first.exitCode(), first.err());
        AppRun.Result second = AppRun.run("train", "--resume", out.toString(), "--decoder", "nvjpeg", "--device", "cuda", "--workers", "4");
        assertEquals(0, second.exitCode(), second.err());
        assertTrue(second.out().contains("resuming") && second.out().contains("done: 8 of 8 steps"), second.out());
        assertFiniteSteps(out, 4);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
