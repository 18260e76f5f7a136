package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.*;

import dev.jmamba.app.data.LoaderBench;
import dev.jmamba.app.data.TurboJpeg;
import dev.jmamba.app.train.TrainDecoder;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.vision.models.ModelRegistry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --decoder}: the names, and the one-sentence refusals of {@code nvjpeg} — exit 2 on the
 * CPU and for data that are not an image folder; exit 1 where nvJPEG or CUDA is missing — and host
 * decoders that train.
 */
class TrainDecoderOptionTest {
    @TempDir static Path tmp;
    static Path jpegs;

    @BeforeAll static void folder() {
        jpegs = tmp.resolve("jpegs");
        LoaderBench.writeJpegFolder(jpegs, "train", 24, 2, 40, 30, 1);
        LoaderBench.writeJpegFolder(jpegs, "val", 4, 2, 40, 30, 2);
    }

    @Test void parsesTheNamesInAnyCase() {
        assertEquals(TrainDecoder.NVJPEG, TrainCommand.parseDecoder("NvJpeg"));
        assertEquals(TrainDecoder.AUTO, TrainCommand.parseDecoder(null));
        assertEquals(TrainDecoder.IMAGEIO, TrainCommand.parseDecoder("imageio"));
        assertTrue(TrainDecoder.NVJPEG.onDevice() && !TrainDecoder.TURBOJPEG.onDevice());
    }

    @Test void anUnknownDecoderIsAUsageError() {
        AppRun.Result r = AppRun.run("train", "--decoder", "dali", "--data", "synthetic", "--device", "cpu", "--out", tmp.resolve("a").toString());
        assertEquals(2, r.exitCode(), r.err());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("bad --decoder 'dali': expected auto, turbojpeg, imageio or nvjpeg"), r.err());
    }

    @Test void nvjpegOnTheCpuIsAUsageError() {
        for (String data : new String[] {jpegs.toString(), "synthetic"}) {
            AppRun.Result r = AppRun.run("train", "--decoder", "nvjpeg", "--data", data, "--device", "cpu", "--model", "tiny-cnn",
                    "--max-steps", "1", "--out", tmp.resolve("b").toString());
            assertEquals(2, r.exitCode(), r.err());
            r.assertOneCleanErrorLine();
            assertTrue(r.err().contains("--decoder nvjpeg decodes JPEGs on a CUDA GPU but this run is on cpu; use --device cuda or leave --decoder out"),
                    r.err());
        }
    }

    private static RunConfig config(String kind, double erasing) {
        return new RunConfig(new ModelRegistry.ModelChoice("tiny-cnn", 2, 3, 16, 0, 0),
                new RunConfig.DataSpec(kind, jpegs.toString(), 0, 0, List.of("class0", "class1"), 3, new float[3], new float[] {1, 1, 1}, "light"),
                new RunConfig.Recipe(8, 1, 3, 3, 1e-3, 0, 1e-6, 1e-5, 0.05, 0, 0, 0, erasing, 0, 0, 0));
    }

    @Test void nvjpegRefusesDataThatAreNotAnImageFolderAsAUsageError() {
        UserError e = assertThrows(UserError.class, () -> TrainCommand.checkDecoder(TrainDecoder.NVJPEG, config("synthetic", 0), Device.cuda(0)));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("decodes the JPEGs of an image folder"), e.getMessage());
    }

    @Test void nvjpegWithoutCudaIsARuntimeErrorOfOneSentence() {
        Assumptions.assumeFalse(Backends.isAvailable(Device.cuda(0)), "this machine has a GPU");
        UserError e = assertThrows(UserError.class, () -> TrainCommand.checkDecoder(TrainDecoder.NVJPEG, config("folder", 0), Device.cuda(0)));
        assertEquals(1, e.exitCode());
        assertEquals("--decoder nvjpeg: the CUDA device cuda:0 is not available", e.getMessage());
    }

    @Test void hostDecodersTrain() {
        for (String d : new String[] {"imageio", "turbojpeg"}) {
            if (d.equals("turbojpeg") && !TurboJpeg.available()) continue;
            AppRun.Result r = AppRun.run("train", "--decoder", d, "--data", jpegs.toString(), "--device", "cpu", "--model", "tiny-cnn",
                    "--resolution", "16", "--batch-size", "8", "--max-steps", "2", "--workers", "1", "--out", tmp.resolve("host-" + d).toString());
            assertEquals(0, r.exitCode(), r.err());
        }
    }
}
