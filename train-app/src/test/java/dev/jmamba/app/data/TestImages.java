package dev.jmamba.app.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Test helper: encoded images, valid and hostile. */
public final class TestImages {
    private TestImages() {}

    /** A w x h RGB image of seeded random colours with some smooth structure. */
    public static BufferedImage random(int w, int h, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) img.setRGB(x, y, ((x * 7 + y * 3) & 0xff) << 16 | (rng.nextInt(256) << 8) | ((x ^ y) & 0xff));
        }
        return img;
    }

    /** {@code img} encoded as {@code format} (jpg, png, bmp, gif) by the JDK. */
    public static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) throw new IOException("no writer for " + format);
        return out.toByteArray();
    }

    /**
     * A valid PNG whose header claims {@code w x h} 8-bit gray pixels, all zero: a "decompression
     * bomb" when large (30000 x 30000 is about 875 KB). With {@code rows} below h only that many
     * rows of data follow (the header is what a size check must look at).
     */
    public static byte[] grayPng(int w, int h, int rows) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(png, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).array());
        Deflater deflater = new Deflater(9);
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        byte[] row = new byte[w + 1], buf = new byte[1 << 16];
        for (int r = 0; r < rows; r++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) idat.write(buf, 0, deflater.deflate(buf));
        }
        deflater.finish();
        while (!deflater.finished()) idat.write(buf, 0, deflater.deflate(buf));
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
