package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.JmambaException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Times the SGEMM's register tile alone against this core's FMA ceiling (independent fused multiply-add chains in
 * registers, measured in the same JVM): with one packed B panel in L1 (K so that it takes half of L1), and with four
 * panels of K 1024 streamed from L2 as the driver's blocking does; each with the B panels starting at 0, 4, 8 and
 * 12 floats into a large array (one of those offsets puts the panel rows on 64-byte line boundaries, the others
 * make the tile's 512-bit loads straddle two lines). A tile of fewer than 12 accumulators (the 256-bit 3x24 tile has 9)
 * also gets the ceiling of that many chains: with FMA latency 4 and two FMA units, 8 or 9 chains leave the units idle
 * at times (Zen 4, AVX2: 12 chains 117, 9 chains 111, 8 chains 108 GFLOP/s), so that line is what the tile can reach.
 * One thread; `bench gemm --tile-probe` prints it (issue 22, tensor/bench/GEMM-NOTES.md).
 * Loaded only when {@link SimdSupport#ENABLED}.
 */
public final class SgemmTileProbe {
    /** What was timed ({@code "tile"} at a B offset, or {@code "fma-ceiling"}) and its GFLOP/s. */
    public record Result(String what, int bOffsetFloats, double gflops) {}

    /** The B-from-L2 case: 4 panels of K 1024 (512 KiB on 32-float panels), as the driver's blocking streams them. */
    private static final int L2_KC = 1024, L2_PANELS = 4;
    private static volatile float sink;

    private SgemmTileProbe() {}

    /**
     * The ceiling (12 chains), the ceiling at the tile's accumulator count where that is 8 or 9, then the tile at each B
     * offset (the ceilings are timed last); each case warms up, then runs for {@code msPerCase} (bench: 600).
     */
    public static List<Result> run(long msPerCase) {
        List<Result> out = new ArrayList<>();
        SgemmKernel kernel = SgemmSimd.kernel();
        int mr = kernel.mr(), nr = kernel.nr();
        // 64 MiB: a humongous object for G1 (placed at a region start and not moved by young collections), so an
        // offset keeps its alignment for the whole probe
        float[] big = new float[1 << 24];
        SplittableRandom random = new SplittableRandom(22);
        for (int i = 0; i < 16 + L2_PANELS * L2_KC * nr; i++) big[i] = (float) random.nextDouble(-1, 1);
        float[] ap = new float[mr * L2_KC];
        for (int i = 0; i < ap.length; i++) ap[i] = (float) random.nextDouble(-1, 1);
        float[] c = new float[mr * nr];
        // B in L1: one panel of half the L1 (the BLIS rule); B from L2: panels of the driver's longest K block
        int l1Kc = (int) Math.max(16, CpuCaches.DETECTED.l1Bytes() / 2 / (4L * nr) / 16 * 16);
        // the JIT first (2 s at bench's 600 ms per case: on the Intel device host 200 ms left the first case at a third of the others)
        timePasses(() -> kernel.tile(l1Kc, ap, 0, big, 0, 0f, c, 0, nr), msPerCase * 5 / 2);
        for (int[] kcPanels : new int[][] {{l1Kc, 1}, {L2_KC, L2_PANELS}}) {
            int kc = kcPanels[0], panels = kcPanels[1];
            for (int offset = 0; offset < 16; offset += 4) {
                final int off = offset;
                Runnable pass = () -> {
                    for (int q = 0; q < panels; q++) kernel.tile(kc, ap, 0, big, off + q * kc * nr, 0f, c, 0, nr);
                };
                double seconds = timePasses(pass, msPerCase);
                String where = panels == 1 ? "B in L1" : "B from L2";
                out.add(new Result("tile " + mr + "x" + nr + " kc " + kc + " " + where, offset, 2.0 * mr * nr * kc * panels / seconds / 1e9));
            }
        }
        // the ceilings last, after the JIT has settled (timed first, it read below the tile on an Intel host), listed first
        int accumulators = mr * nr / SgemmSimd.S.length();
        if (accumulators == 8 || accumulators == 9) {
            out.addFirst(new Result("fma-ceiling " + accumulators + " chains", 0, fmaCeiling(msPerCase, accumulators)));
        }
        out.addFirst(new Result("fma-ceiling", 0, fmaCeiling(msPerCase, 12)));
        return out;
    }

    /** Seconds per pass: warm up for a third of {@code ms}, then the mean over {@code ms}. */
    private static double timePasses(Runnable pass, long ms) {
        long warmEnd = System.nanoTime() + ms / 3 * 1_000_000L;
        while (System.nanoTime() < warmEnd) pass.run();
        long start = System.nanoTime(), end = start + ms * 1_000_000L, passes = 0;
        long now;
        do {
            for (int i = 0; i < 64; i++) pass.run();
            passes += 64;
            now = System.nanoTime();
        } while (now < end);
        return (now - start) / 1e9 / passes;
    }

    /**
     * GFLOP/s of 8, 9 or 12 independent FMA chains on the kernel's vector width (12 fill two FMA pipes of latency 4-6).
     * One hand-written loop per count: the accumulators must be locals for C2 to keep them in registers.
     */
    private static double fmaCeiling(long ms, int chains) {
        int iterations = 1 << 14;
        Runnable pass = switch (chains) {
            case 8 -> () -> sink = fmaChains8(iterations);
            case 9 -> () -> sink = fmaChains9(iterations);
            case 12 -> () -> sink = fmaChains(iterations);
            default -> throw new JmambaException("fmaCeiling: chains must be 8, 9 or 12, got " + chains);
        };
        double seconds = timePasses(pass, ms);
        return 2.0 * SgemmSimd.S.length() * chains * iterations / seconds / 1e9;
    }

    /** 12 accumulators, each a chain of {@code iterations} FMAs (a static method: C2 keeps the vectors in registers). */
    private static float fmaChains(int iterations) {
        VectorSpecies<Float> s = SgemmSimd.S;
        FloatVector x = FloatVector.broadcast(s, 1e-7f), y = FloatVector.broadcast(s, 1e-7f);
        FloatVector a0 = FloatVector.zero(s), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++) {
            a0 = x.fma(y, a0); a1 = x.fma(y, a1); a2 = x.fma(y, a2); a3 = x.fma(y, a3);
            a4 = x.fma(y, a4); a5 = x.fma(y, a5); a6 = x.fma(y, a6); a7 = x.fma(y, a7);
            a8 = x.fma(y, a8); a9 = x.fma(y, a9); a10 = x.fma(y, a10); a11 = x.fma(y, a11);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    /** 9 chains: the 3x24 tile's accumulators. */
    private static float fmaChains9(int iterations) {
        VectorSpecies<Float> s = SgemmSimd.S;
        FloatVector x = FloatVector.broadcast(s, 1e-7f), y = FloatVector.broadcast(s, 1e-7f);
        FloatVector a0 = FloatVector.zero(s), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0;
        for (int i = 0; i < iterations; i++) {
            a0 = x.fma(y, a0); a1 = x.fma(y, a1); a2 = x.fma(y, a2); a3 = x.fma(y, a3);
            a4 = x.fma(y, a4); a5 = x.fma(y, a5); a6 = x.fma(y, a6); a7 = x.fma(y, a7); a8 = x.fma(y, a8);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).reduceLanes(VectorOperators.ADD);
    }

    /** 8 chains: the (4, 2V) tile's accumulators. */
    private static float fmaChains8(int iterations) {
        VectorSpecies<Float> s = SgemmSimd.S;
        FloatVector x = FloatVector.broadcast(s, 1e-7f), y = FloatVector.broadcast(s, 1e-7f);
        FloatVector a0 = FloatVector.zero(s), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int i = 0; i < iterations; i++) {
            a0 = x.fma(y, a0); a1 = x.fma(y, a1); a2 = x.fma(y, a2); a3 = x.fma(y, a3);
            a4 = x.fma(y, a4); a5 = x.fma(y, a5); a6 = x.fma(y, a6); a7 = x.fma(y, a7);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }
}
