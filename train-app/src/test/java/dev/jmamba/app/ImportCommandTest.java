package dev.jmamba.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jmamba import} of a torch.save training checkpoint, then {@code predict} on the result; bad input. */
class ImportCommandTest {
    @TempDir Path tmp;

    /** The vision module's torch.save fixture (tests run in the module folder). */
    private static Path vimNanoPth() {
        Path p = Path.of("../vision/src/test/resources/dev/jmamba/vision/weights/vim-nano-training.pth");
        if (!Files.isRegularFile(p)) throw new IllegalStateException("fixture " + p.toAbsolutePath() + " is missing");
        return p;
    }

    @Test
    void importThenPredict() throws Exception {
        Path names = tmp.resolve("names.txt");
        Files.writeString(names, "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n");
        Path out = tmp.resolve("imported");
        AppRun.Result r = AppRun.run("import", "--model", "vim-nano", "--weights", vimNanoPth().toString(), "--out", out.toString(),
                "--class-names", names.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("imported vim-nano") && r.out().contains("10 classes, 1 channels, resolution 28") && r.out().contains("[model]"), r.out());
        Path png = tmp.resolve("x.png");
        javax.imageio.ImageIO.write(new BufferedImage(30, 30, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
        AppRun.Result p = AppRun.run("predict", "--checkpoint", out.toString(), "--device", "cpu", "--top", "3", png.toString());
        assertEquals(0, p.exitCode(), p.err());
        assertTrue(p.out().startsWith(png + ":") && p.out().split(",").length == 3, p.out());

        AppRun.Result again = AppRun.run("import", "--model", "vim-nano", "--weights", vimNanoPth().toString(), "--out", out.toString());
        assertEquals(2, again.exitCode(), "an existing checkpoint is not overwritten");
    }

    @Test
    void badInputExitsWithOneSentence() throws Exception {
        Path pth = vimNanoPth();
        AppRun.Result unknown = AppRun.run("import", "--model", "vim-huge", "--weights", pth.toString(), "--out", tmp.resolve("a").toString());
        assertEquals(2, unknown.exitCode());
        AppRun.Result wrong = AppRun.run("import", "--model", "localmamba-nano", "--weights", pth.toString(), "--out", tmp.resolve("b").toString());
        assertEquals(1, wrong.exitCode());
        assertTrue(wrong.err().contains("does not fit localmamba-nano") && wrong.err().contains("missing keys"), wrong.err());
        Path junk = tmp.resolve("junk.pth");
        Files.write(junk, new byte[] {'P', 'K', 3, 4, 1, 2, 3});
        AppRun.Result bad = AppRun.run("import", "--model", "vim-nano", "--weights", junk.toString(), "--out", tmp.resolve("c").toString());
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains(junk.toString()), bad.err());
        Path names = tmp.resolve("names.txt");
        Files.writeString(names, "a\nb\n");
        AppRun.Result count = AppRun.run("import", "--model", "vim-nano", "--weights", pth.toString(), "--out", tmp.resolve("d").toString(), "--class-names", names.toString());
        assertEquals(1, count.exitCode());
        assertTrue(count.err().contains("has 2 class names, the model has 10 classes"), count.err());
    }
}
