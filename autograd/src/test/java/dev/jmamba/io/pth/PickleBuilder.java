package dev.jmamba.io.pth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Assembles pickles opcode by opcode and writes them into a torch-style zip, for hostile test inputs. */
final class PickleBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleBuilder op(int... bytes) {
        for (int b : bytes) out.write(b);
        return this;
    }

    PickleBuilder le(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)));
        return this;
    }

    PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X').le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    PickleBuilder global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    PickleBuilder integer(int v) {
        return op('J').le(v, 4);
    }

    /** A tensor (storage key, FloatStorage, numel) viewed with offset, size, stride. */
    PickleBuilder tensor(String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").op('(');
        op('(').str("storage").global("torch", "FloatStorage").str(key).str("cpu").op(0x8a, 8).le(numel, 8).op('t', 'Q');
        op(0x8a, 8).le(offset, 8);
        op('(');
        for (long s : size) op(0x8a, 8).le(s, 8);
        op('t', '(');
        for (long s : stride) op(0x8a, 8).le(s, 8);
        op('t');
        op(0x89).global("collections", "OrderedDict").op(')', 'R').op('t', 'R');
        return this;
    }

    byte[] bytes() { return out.toByteArray(); }

    /** Writes a zip {@code archive/data.pkl} + {@code archive/data/<k>} entries (STORED, like torch.save). */
    static Path zip(Path file, byte[] pickle, Map<String, byte[]> storages) {
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(z, "archive/data.pkl", pickle);
            stored(z, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (var e : storages.entrySet()) stored(z, "archive/data/" + e.getKey(), e.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static void stored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }
}
