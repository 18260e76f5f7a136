package dev.jmamba.vision.image;

import java.awt.image.BufferedImage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes one image file with javax.imageio without letting a bad file hurt the process: the size is
 * read from the header and checked against {@link ImageLimits} before any pixel memory is allocated;
 * large images are decoded subsampled; a truncated JPEG (which the JDK's decoder completes with gray
 * and only warns about) is an error; and any failure inside a decoder plugin (an unchecked exception,
 * or running out of memory on absurd data) becomes an {@link IOException} with one plain reason, so
 * the caller can skip the file and go on. ImageIO's disk cache is not used (the input is a file).
 */
public final class BoundedImageReader {
    private BoundedImageReader() {}

    /** Reads {@code file}; the IOException's message is the reason alone (the caller names the file). */
    public static BufferedImage read(Path file, ImageLimits limits) throws IOException {
        if (Files.isDirectory(file)) throw new IOException("is a folder, not an image file");
        if (!Files.exists(file)) throw new IOException("file not found");
        if (!Files.isReadable(file)) throw new IOException("permission denied");
        ImageInputStream in;
        try {
            in = new FileImageInputStream(file.toFile());
        } catch (FileNotFoundException e) {
            throw new IOException("cannot be opened (" + e.getMessage() + ")", e);
        }
        try (in) {
            return read(in, limits);
        }
    }

    /** Reads the first image of {@code in}. */
    public static BufferedImage read(ImageInputStream in, ImageLimits limits) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) throw new IOException("no image decoder recognises the file");
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        try {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            int w = reader.getWidth(0), h = reader.getHeight(0);
            if (w < 1 || h < 1) throw new IOException("the header gives a size of " + w + "x" + h + " pixels");
            if (!limits.accepts(w, h)) {
                throw new IOException(String.format(Locale.ROOT, "the image is %dx%d = %,d pixels, more than the limit of %,d "
                        + "(a larger limit: -Djmamba.image.maxPixels=N in JMAMBA_JAVA_OPTS)", w, h, (long) w * h, limits.maxPixels()));
            }
            ImageReadParam param = reader.getDefaultReadParam();
            int s = limits.subsampling(w, h);
            if (s > 1) param.setSourceSubsampling(s, s, 0, 0);
            BufferedImage image = reader.read(0, param);
            if (image == null) throw new IOException("the decoder returned no image");
            for (String warning : warnings) {
                String lower = warning.toLowerCase(Locale.ROOT);
                if (lower.contains("truncated") || lower.contains("premature end")) {
                    throw new IOException("the image data are truncated (" + warning + ")");
                }
            }
            return image;
        } catch (IOException e) {
            throw e.getMessage() == null ? new IOException("damaged image data (" + e.getClass().getSimpleName() + ")", e) : e;
        } catch (RuntimeException e) { // some ImageIO plugins throw unchecked exceptions on corrupt data
            throw new IOException("damaged image data (" + e + ")", e);
        } catch (OutOfMemoryError e) { // a header within the limits but data that make the decoder allocate wildly
            throw new IOException("not enough memory to decode it (" + e.getMessage() + ")", e);
        } finally {
            reader.dispose();
        }
    }
}
