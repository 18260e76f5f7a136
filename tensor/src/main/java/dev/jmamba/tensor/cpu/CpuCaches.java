package dev.jmamba.tensor.cpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The per-core L1 data and L2 cache sizes, which the GEMM blocking is derived from. Read from
 * Linux's {@code /sys/devices/system/cpu/cpu0/cache/index*} (level, type, size); where that is
 * missing (containers and sandboxes that hide /sys) from glibc's {@code getconf LEVEL1_DCACHE_SIZE}
 * and {@code LEVEL2_CACHE_SIZE} (which asks cpuid); else 32 KiB and 512 KiB, the smallest of the
 * x86 cores of the last decade. {@code -Djmamba.gemm.l1=BYTES} and {@code -Djmamba.gemm.l2=BYTES}
 * override.
 *
 * @param l1Bytes L1 data cache of one core
 * @param l2Bytes L2 cache of one core
 * @param source  where the sizes came from ("sysfs", "getconf", "default", "property")
 */
record CpuCaches(long l1Bytes, long l2Bytes, String source) {
    static final long DEFAULT_L1 = 32 << 10, DEFAULT_L2 = 512 << 10;

    /** This machine's caches, detected once. */
    static final CpuCaches DETECTED = detect();

    private static CpuCaches detect() {
        CpuCaches found = fromSysfs(Path.of("/sys/devices/system/cpu/cpu0/cache"));
        if (found == null) found = fromGetconf();
        if (found == null) found = new CpuCaches(DEFAULT_L1, DEFAULT_L2, "default");
        Long l1 = Long.getLong("jmamba.gemm.l1"), l2 = Long.getLong("jmamba.gemm.l2");
        if (l1 != null || l2 != null) {
            found = new CpuCaches(l1 != null ? l1 : found.l1Bytes, l2 != null ? l2 : found.l2Bytes, "property");
        }
        return found;
    }

    /** Sizes from a sysfs cache folder (index0, index1, ...), or null if it has no L1 data and L2 entry. */
    static CpuCaches fromSysfs(Path dir) {
        long l1 = 0, l2 = 0;
        for (int i = 0; i < 8; i++) {
            Path index = dir.resolve("index" + i);
            if (!Files.isDirectory(index)) continue;
            try {
                String level = Files.readString(index.resolve("level")).trim();
                String type = Files.readString(index.resolve("type")).trim();
                long size = parseSize(Files.readString(index.resolve("size")).trim());
                if (level.equals("1") && (type.equals("Data") || type.equals("Unified"))) l1 = size;
                if (level.equals("2") && (type.equals("Unified") || type.equals("Data"))) l2 = size;
            } catch (IOException | RuntimeException e) {
                // an unreadable entry: try the others, then the fallbacks
            }
        }
        return l1 > 0 && l2 > 0 ? new CpuCaches(l1, l2, "sysfs") : null;
    }

    /** sysfs sizes read like "48K", "1024K" or "1M"; plain numbers are bytes. */
    static long parseSize(String s) {
        String t = s.toUpperCase(Locale.ROOT);
        long unit = t.endsWith("K") ? 1L << 10 : t.endsWith("M") ? 1L << 20 : 1;
        if (unit != 1) t = t.substring(0, t.length() - 1);
        return Long.parseLong(t) * unit;
    }

    private static CpuCaches fromGetconf() {
        long l1 = getconf("LEVEL1_DCACHE_SIZE"), l2 = getconf("LEVEL2_CACHE_SIZE");
        return l1 > 0 && l2 > 0 ? new CpuCaches(l1, l2, "getconf") : null;
    }

    private static long getconf(String name) {
        try {
            Process p = new ProcessBuilder("getconf", name).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(2, TimeUnit.SECONDS) || p.exitValue() != 0) return 0;
            return Long.parseLong(new String(out, StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    @Override public String toString() {
        return "L1d " + (l1Bytes >> 10) + " KiB, L2 " + (l2Bytes >> 10) + " KiB (" + source + ")";
    }
}
