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

    /** The blocking rule on two machines: KC from L1 per tile width, MC a multiple of MR from L2, clamped. */
    @Test
    void blockingFollowsTheCaches() {
        SgemmKernel wide = SgemmScalarKernelShape.of(8, 32), narrow = SgemmScalarKernelShape.of(4, 16);
        CpuCaches zen5 = new CpuCaches(48 << 10, 1 << 20, "test"), small = new CpuCaches(32 << 10, 256 << 10, "test");
        assertEquals(new SgemmBlocked.Blocking(256, 512), SgemmBlocked.Blocking.of(wide, zen5));   // 48K*0.85/(40*4) = 261 -> 256
        assertEquals(new SgemmBlocked.Blocking(520, 252), SgemmBlocked.Blocking.of(narrow, zen5)); // 48K*0.85/(20*4) = 522 -> 520
        assertEquals(new SgemmBlocked.Blocking(168, 192), SgemmBlocked.Blocking.of(wide, small));  // 32K*0.85/160 = 174 -> 168; 128K/672 = 195
        SgemmKernel huge = SgemmScalarKernelShape.of(8, 64);
        assertEquals(128, SgemmBlocked.Blocking.of(huge, small).kc()); // clamped at 128
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
