package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.Resampler;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

    @TempDir Path dir;

    /** Writes a w×h image of one RGB colour. */
    static void writeImage(Path file, int w, int h, int rgb, String format) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
        assertTrue(ImageIO.write(img, format, file.toFile()));
    }

    private void writeLayout() throws IOException {
        writeImage(dir.resolve("train/zebra/a.png"), 10, 8, 0xff0000, "png");
        writeImage(dir.resolve("train/zebra/b.JPG"), 12, 9, 0x00ff00, "jpg");
        writeImage(dir.resolve("train/apple/c.png"), 7, 7, 0x0000ff, "png");
        Files.write(dir.resolve("train/apple/broken.jpg"), new byte[] {(byte) 0xff, (byte) 0xd8, 1, 2, 3, 4, 5}); // corrupt
        Files.writeString(dir.resolve("train/apple/notes.txt"), "not an image");
        writeImage(dir.resolve("val/apple/d.png"), 5, 6, 0x808080, "png");
    }

    @Test
    void sortedClassesLabelsAndDecodedPixels() throws IOException {
        writeLayout();
        ImageFolder train = ImageFolder.train(dir);
        assertEquals(List.of("apple", "zebra"), train.classNames());
        assertEquals(4, train.size()); // broken.jpg, c.png, a.png, b.JPG; the .txt is ignored
        assertEquals(Path.of("broken.jpg"), train.file(0).getFileName());
        assertEquals(1, train.label(2));
        Sample red = train.load(2);
        assertEquals(new FloatImage(3, 8, 10, red.image().data()), red.image());
        assertEquals(1f, red.image().get(0, 3, 3), 0f);
        assertEquals(0f, red.image().get(1, 3, 3), 0f);
        assertTrue(train.nativeSize().isEmpty());

        ImageFolder val = ImageFolder.val(dir);
        assertEquals(train.classNames(), val.classNames());
        assertEquals(1, val.size());
        assertEquals(0, val.label(0));
        assertEquals(128 / 255f, val.load(0).image().get(2, 1, 1), 1e-6f);
    }

    @Test
    void corruptImageIsSkippedCountedOnceAndReplacedByTheNext() throws IOException {
        writeLayout();
        ImageFolder train = ImageFolder.train(dir);
        Sample substitute = train.load(0); // broken.jpg → next index, c.png (blue, apple)
        assertEquals(0, substitute.label());
        assertEquals(1f, substitute.image().get(2, 0, 0), 0f);
        assertEquals(7, substitute.image().width());
        assertEquals(1, train.skippedImages().get());
        train.load(0);
        assertEquals(1, train.skippedImages().get(), "a known bad file is not counted again");

        // Through the loader, with several workers: the run completes and every batch is full.
        SamplePipeline pipeline = SamplePipeline.imagenetTrain(train, 16, Resampler.Filter.BILINEAR, 0.25);
        try (DataLoader loader = new DataLoader(train, pipeline, null, new DataLoader.Options(2, true, false, 2, 2, 5))) {
            int images = 0;
            try (DataLoader.EpochIterator it = loader.epoch(0)) {
                while (it.hasNext()) images += it.next().size();
            }
            assertEquals(4, images);
        }
    }

    @Test
    void layoutProblemsAreClearErrors() throws IOException {
        DataException missing = assertThrows(DataException.class, () -> ImageFolder.train(dir));
        assertTrue(missing.getMessage().contains(dir.resolve("train").toString()) && missing.getMessage().contains("not found"), missing.getMessage());

        Files.createDirectories(dir.resolve("train"));
        DataException noClasses = assertThrows(DataException.class, () -> ImageFolder.train(dir));
        assertTrue(noClasses.getMessage().contains("no class sub-folders"), noClasses.getMessage());

        Files.createDirectories(dir.resolve("train/cat"));
        Files.writeString(dir.resolve("train/cat/readme.md"), "x");
        DataException empty = assertThrows(DataException.class, () -> ImageFolder.train(dir));
        assertTrue(empty.getMessage().contains("no images found"), empty.getMessage());

        writeImage(dir.resolve("train/cat/a.png"), 4, 4, 0, "png");
        writeImage(dir.resolve("val/dog/a.png"), 4, 4, 0, "png");
        DataException unknown = assertThrows(DataException.class, () -> ImageFolder.val(dir));
        assertTrue(unknown.getMessage().contains("dog"), unknown.getMessage());
    }

    @Test
    void allImagesCorruptIsAnError() throws IOException {
        Files.createDirectories(dir.resolve("train/x"));
        Files.write(dir.resolve("train/x/a.png"), new byte[] {1, 2, 3});
        ImageFolder train = ImageFolder.train(dir);
        DataException e = assertThrows(DataException.class, () -> train.load(0));
        assertTrue(e.getMessage().contains("none of the 1 images"), e.getMessage());
    }
}
