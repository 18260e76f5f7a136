package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CpuCaches}: sysfs parsing (a Zen 5 layout), what a missing entry does, and the GEMM blocking derived from it. */
class CpuCachesTest {
    private static void index(Path dir, int i, String level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve("index" + i));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }

    @Test
    void readsL1DataAndL2FromSysfs(@TempDir Path dir) throws IOException {
        index(dir, 0, "1", "Data", "48K");
        index(dir, 1, "1", "Instruction", "32K");
        index(dir, 2, "2", "Unified", "1024K");
        index(dir, 3, "3", "Unified", "32768K");
        CpuCaches c = CpuCaches.fromSysfs(dir);
        assertEquals(48 << 10, c.l1Bytes());
        assertEquals(1 << 20, c.l2Bytes());
        assertEquals("sysfs", c.source());
    }

    @Test
    void noL2MeansNoAnswer(@TempDir Path dir) throws IOException {
        index(dir, 0, "1", "Data", "32K");
        assertNull(CpuCaches.fromSysfs(dir));
        assertNull(CpuCaches.fromSysfs(dir.resolve("missing")));
    }

    @Test
    void sizesWithUnits() {
        assertEquals(49152, CpuCaches.parseSize("48K"));
        assertEquals(2 << 20, CpuCaches.parseSize("2M"));
        assertEquals(512, CpuCaches.parseSize("512"));
    }

    @Test
    void detectedSizesArePlausible() {
        CpuCaches c = CpuCaches.DETECTED;
        assertTrue(c.l1Bytes() >= 8 << 10 && c.l1Bytes() <= 1 << 20, c.toString());
        assertTrue(c.l2Bytes() >= c.l1Bytes(), c.toString());
    }

    /** The blocking rule on two machines: KC from L2 per tile width, MC a multiple of MR from L2 and KC, clamped. */
    @Test
    void blockingFollowsTheCaches() {
        SgemmKernel wide = SgemmScalarKernelShape.of(8, 32), narrow = SgemmScalarKernelShape.of(4, 16);
        CpuCaches zen5 = new CpuCaches(48 << 10, 1 << 20, "test"), small = new CpuCaches(32 << 10, 256 << 10, "test");
        assertEquals(new SgemmBlocked.Blocking(1024, 128), SgemmBlocked.Blocking.of(wide, zen5));  // 1M/8/(32*4) = 1024; 512K/4K = 128
        assertEquals(new SgemmBlocked.Blocking(1024, 128), SgemmBlocked.Blocking.of(narrow, zen5)); // 1M/8/64 = 2048 -> 1024
        assertEquals(new SgemmBlocked.Blocking(256, 128), SgemmBlocked.Blocking.of(wide, small));   // 256K/8/128 = 256; 128K/1K = 128
        assertEquals(new SgemmBlocked.Blocking(512, 64), SgemmBlocked.Blocking.of(narrow, small));  // 256K/8/64 = 512; 128K/2K = 64
        SgemmKernel huge = SgemmScalarKernelShape.of(8, 64);
        CpuCaches tiny = new CpuCaches(16 << 10, 128 << 10, "test");
        assertEquals(new SgemmBlocked.Blocking(128, 128), SgemmBlocked.Blocking.of(huge, tiny)); // 128K/8/256 = 64 -> clamped at 128
        // a given K: equal blocks of at most KC, MC from the block used
        assertEquals(new SgemmBlocked.Blocking(700, 184), SgemmBlocked.Blocking.of(wide, zen5, 2100)); // 3 blocks; 512K/2800 = 187 -> 184
        assertEquals(new SgemmBlocked.Blocking(48, 1024), SgemmBlocked.Blocking.of(wide, zen5, 48));   // 512K/192 = 2730 -> clamped at 1024
        assertEquals(new SgemmBlocked.Blocking(1024, 128), SgemmBlocked.Blocking.of(wide, zen5, 1024));
    }

    /** A kernel that only has a tile shape (the blocking rule reads nothing else). */
    private record SgemmScalarKernelShape(int mr, int nr) implements SgemmKernel {
        static SgemmKernel of(int mr, int nr) { return new SgemmScalarKernelShape(mr, nr); }
        @Override public String describe() { return "shape " + mr + "x" + nr; }
        @Override public void tile(int kc, float[] ap, int apOff, float[] bp, int bpOff, float beta, float[] c, int cOff, int ldc) {
            throw new UnsupportedOperationException("shape only");
        }
    }
}
