package dev.jmamba.app.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader for the IDX format of (Fashion-)MNIST: a 4-byte big-endian magic {@code 0x0000 TT NN} (TT = 0x08
 * for unsigned bytes, NN = number of dimensions), NN big-endian int32 dimension sizes, then the data.
 * Files may be gzip-compressed (detected from the gzip magic bytes, not the name). The whole file is read
 * into memory once.
 *
 * @param dims the dimension sizes, e.g. (N, 28, 28) for images or (N) for labels
 * @param data the unsigned bytes, row-major over {@code dims}
 */
public record IdxFile(Path path, int[] dims, byte[] data) {

    private static final int UNSIGNED_BYTE = 0x08;

    /** Number of items, the first dimension. */
    public int count() {
        return dims[0];
    }

    /**
     * Reads {@code path} and checks that it holds unsigned bytes with {@code expectedDims} dimensions and
     * exactly as many data bytes as the header promises.
     *
     * @throws DataException naming the file and what was wrong (missing, bad magic, truncated, trailing data)
     */
    public static IdxFile read(Path path, int expectedDims) {
        byte[] bytes = readAllBytes(path);
        if (bytes.length < 4) {
            throw new DataException(path + ": truncated IDX file, " + bytes.length + " bytes is shorter than the 4-byte magic number");
        }
        int magic = readInt(bytes, 0);
        int expectedMagic = (UNSIGNED_BYTE << 8) | expectedDims;
        if (magic != expectedMagic) {
            throw new DataException(String.format("%s: bad IDX magic number 0x%08X, expected 0x%08X (unsigned bytes, %d dimensions)",
                    path, magic, expectedMagic, expectedDims));
        }
        int headerBytes = 4 + 4 * expectedDims;
        if (bytes.length < headerBytes) {
            throw new DataException(path + ": truncated IDX header, " + bytes.length + " bytes but the header needs " + headerBytes);
        }
        int[] dims = new int[expectedDims];
        long payload = 1;
        for (int d = 0; d < expectedDims; d++) {
            dims[d] = readInt(bytes, 4 + 4 * d);
            if (dims[d] <= 0) {
                throw new DataException(path + ": IDX dimension " + d + " is " + dims[d] + ", expected a positive size");
            }
            payload *= dims[d];
        }
        long actual = bytes.length - headerBytes;
        if (actual < payload) {
            throw new DataException(path + ": truncated IDX file, header promises " + payload + " data bytes but only "
                    + actual + " follow");
        }
        if (actual > payload) {
            throw new DataException(path + ": IDX file has " + (actual - payload) + " bytes after the " + payload + " data bytes the header promises");
        }
        byte[] data = new byte[(int) payload];
        System.arraycopy(bytes, headerBytes, data, 0, data.length);
        return new IdxFile(path, dims, data);
    }

    private static byte[] readAllBytes(Path path) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            if (!gzip) return raw.readAllBytes();
            try (InputStream in = new GZIPInputStream(raw, 1 << 16)) {
                return in.readAllBytes();
            }
        } catch (NoSuchFileException e) {
            throw new DataException(path + ": file not found");
        } catch (EOFException | ZipException e) {
            throw new DataException(path + ": truncated or corrupt gzip data (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DataException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }
}
