package dev.jmamba.io.pth;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.io.TensorBlob;
import dev.jmamba.io.WeightFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hostile .pth files: seeded truncations and byte mutations of a real training checkpoint, and
 * hand-made pickles with absurd sizes, unknown globals, deep nesting and views outside their storage.
 * Each must either read cleanly or fail with a {@link CheckpointException} naming the file (the
 * unpickler alone: {@link IllegalArgumentException}); nothing else may escape, no OutOfMemoryError,
 * no StackOverflowError.
 */
class TorchArchiveFuzzTest {
    private static final int TRUNCATIONS = 400, FILE_MUTATIONS = 400, PICKLE_MUTATIONS = 3000;

    @TempDir Path dir;

    private int accepted, rejected;

    private void checkFile(byte[] bytes, String what) throws Exception {
        Path f = dir.resolve("case.pth");
        Files.write(f, bytes);
        try {
            WeightFiles.StateDict sd = WeightFiles.read(f);
            for (TensorBlob b : sd.tensors().values()) b.toDoubleArray();    // every tensor is readable in full
            accepted++;
        } catch (CheckpointException e) {
            if (!e.getMessage().startsWith(f.toString())) fail(what + ": message does not name the file: " + e.getMessage());
            rejected++;
        } catch (Throwable t) {
            throw new AssertionError(what + ": escaped as " + t, t);
        }
    }

    @Test
    void damagedCheckpointsNeverEscapeCheckpointException() throws Exception {
        byte[] valid = Files.readAllBytes(Fixtures.copy("training.pth", dir));
        SplittableRandom r = new SplittableRandom(1616);
        for (int i = 0; i < TRUNCATIONS; i++) checkFile(Arrays.copyOf(valid, r.nextInt(valid.length)), "truncation " + i);
        for (int i = 0; i < FILE_MUTATIONS; i++) {
            byte[] d = valid.clone();
            for (int e = 1 + r.nextInt(4); e > 0; e--) d[r.nextInt(d.length)] = (byte) r.nextInt(256);
            checkFile(d, "mutation " + i);
        }
        System.out.printf("pth fuzz (files): %d cases, %d read, %d rejected%n", accepted + rejected, accepted, rejected);
        assertTrue(rejected > TRUNCATIONS / 2, "most damaged files are rejected");
    }

    @Test
    void mutatedPicklesNeverEscapeIllegalArgumentException() throws Exception {
        byte[] pickle;
        try (ZipFile z = new ZipFile(Fixtures.copy("training.pth", dir).toFile())) {
            pickle = z.getInputStream(z.getEntry("training/data.pkl")).readAllBytes();
        }
        SplittableRandom r = new SplittableRandom(61);
        int ok = 0, refused = 0;
        for (int i = 0; i < PICKLE_MUTATIONS; i++) {
            byte[] d = pickle.clone();
            for (int e = 1 + r.nextInt(3); e > 0; e--) {
                int at = r.nextInt(d.length);
                d[at] = r.nextBoolean() ? (byte) r.nextInt(256) : (byte) (d[at] ^ (1 << r.nextInt(8)));
            }
            try {
                PickleReader.read(d, TorchArchive::storage);
                ok++;
            } catch (IllegalArgumentException e) {
                refused++;
            } catch (Throwable t) {
                throw new AssertionError("mutation " + i + " escaped as " + t, t);
            }
        }
        System.out.printf("pth fuzz (pickle): %d cases, %d read, %d refused%n", PICKLE_MUTATIONS, ok, refused);
        assertTrue(refused > PICKLE_MUTATIONS / 4);
    }

    private static IllegalArgumentException refused(byte[] pickle) {
        return assertThrows(IllegalArgumentException.class, () -> PickleReader.read(pickle, pid -> pid));
    }

    @Test
    void absurdLengthsAreRefusedBeforeAllocating() {
        for (int op : new int[] {'X', 'B', 0x8b}) {
            var e = refused(new PickleBuilder().op(0x80, 2, op).le(0x7fff_fff0L, 4).op('.').bytes());
            assertTrue(e.getMessage().contains("exceeds the"), e.getMessage());
        }
        for (int op : new int[] {0x8d, 0x8e}) {
            var e = refused(new PickleBuilder().op(0x80, 4, op).le(1L << 62, 8).op('.').bytes());
            assertTrue(e.getMessage().contains("exceeds the"), e.getMessage());
        }
        refused(new PickleBuilder().op(0x80, 4, 0x95).le(-1, 8).op('.').bytes());
    }

    @Test
    void unknownGlobalsAreRefusedWhereverTheyAppear() {
        for (String[] g : List.of(new String[] {"os", "system"}, new String[] {"builtins", "eval"}, new String[] {"torch.nn.modules.linear", "Linear"},
                new String[] {"subprocess", "Popen"}, new String[] {"builtins", "getattr"})) {
            var e = refused(new PickleBuilder().op(0x80, 2).global(g[0], g[1]).op('.').bytes());
            assertTrue(e.getMessage().contains("'" + g[0] + "." + g[1] + "'"), e.getMessage());
            var viaStack = refused(new PickleBuilder().op(0x80, 4).str(g[0]).str(g[1]).op(0x93).op('.').bytes());
            assertTrue(viaStack.getMessage().contains("'" + g[0] + "." + g[1] + "'"), viaStack.getMessage());
        }
        // text-mode and extension opcodes are not state-dict opcodes
        for (int op : new int[] {'I', 'S', 'V', 'F', 'i', 'o', 'P', 0x82, 0x97}) {
            var e = refused(new PickleBuilder().op(0x80, 2, op, '\n', '.').bytes());
            assertTrue(e.getMessage().contains("is not accepted"), e.getMessage());
        }
    }

    @Test
    void deepNestingNeitherRecursesNorHashesDeeply() {
        int depth = 1_000_000;
        PickleBuilder b = new PickleBuilder().op(0x80, 2);
        for (int i = 0; i < depth; i++) b.op(']');
        for (int i = 1; i < depth; i++) b.op('a');
        Object root = PickleReader.read(b.op('.').bytes(), pid -> pid);
        assertInstanceOf(List.class, root);
        // a deep structure as a dict key is refused (hashing it would recurse)
        var e = refused(new PickleBuilder().op(0x80, 2, '}', ')', 0x85, 'N', 's', '.').bytes());
        assertTrue(e.getMessage().contains("tuple of scalars"), e.getMessage());
        // a list that contains itself is fine (shared references are not expanded)
        Object self = PickleReader.read(new PickleBuilder().op(0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.').bytes(), pid -> pid);
        assertTrue(((List<?>) self).get(0) == self);
    }

    @Test
    void viewsOutsideTheirStorageAndWrongStorageSizesAreRefused() {
        byte[] four = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3).putFloat(4).array();
        record Case(long numel, long offset, long[] size, long[] stride, byte[] data, String message) {}
        for (Case c : List.of(
                new Case(4, 0, new long[] {2, 2}, new long[] {2, 1}, four, null),
                new Case(4, 1, new long[] {2, 2}, new long[] {2, 1}, four, "reaches element 4"),
                new Case(4, 0, new long[] {3}, new long[] {2}, four, "reaches element 4"),
                new Case(4, 0, new long[] {1L << 40, 1L << 40}, new long[] {1L << 40, 1}, four, "overflow"),
                new Case(5, 0, new long[] {4}, new long[] {1}, four, "has 16 bytes, the pickle expects 20"),
                new Case(1L << 40, 0, new long[] {4}, new long[] {1}, four, "bytes"),
                new Case(4, 0, new long[] {2}, new long[] {-1}, four, "negative size or stride"))) {
            byte[] pickle = new PickleBuilder().op(0x80, 2, '}').str("w").tensor("0", c.numel, c.offset, c.size, c.stride).op('s', '.').bytes();
            Path f = PickleBuilder.zip(dir.resolve("c.pth"), pickle, Map.of("0", c.data));
            if (c.message == null) {
                assertEquals(List.of(1f, 2f, 3f, 4f), boxed(WeightFiles.read(f).tensors().get("w").toFloatArray()));
            } else {
                var e = assertThrows(CheckpointException.class, () -> WeightFiles.read(f), c.toString());
                assertTrue(e.getMessage().contains(c.message), e.getMessage());
            }
        }
        byte[] pickle = new PickleBuilder().op(0x80, 2, '}').str("w").tensor("0", 4, 0, new long[] {4}, new long[] {1}).op('s', '.').bytes();
        var missing = assertThrows(CheckpointException.class, () -> WeightFiles.read(PickleBuilder.zip(dir.resolve("m.pth"), pickle, Map.of())));
        assertTrue(missing.getMessage().contains("has no entry 'archive/data/0'"), missing.getMessage());
    }

    private static List<Float> boxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return List.of(out);
    }
}
