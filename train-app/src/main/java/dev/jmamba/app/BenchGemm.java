package dev.jmamba.app;

import dev.jmamba.tensor.cpu.Parallel;
import dev.jmamba.tensor.cpu.Sgemm;
import dev.jmamba.tensor.cpu.SgemmTileProbe;
import dev.jmamba.tensor.cpu.SimdSupport;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jmamba bench gemm}: times float32 C = op(A) · op(B) on the CPU backend, square (n, n) by
 * default, or the given shapes, or the projection GEMMs of the model presets; each after a warm-up
 * that runs until the timings stop improving, so the first line is already the steady state.
 * Reports the median wall time of the repeats, the mean CPU time per call summed over the JVM's threads
 * (less noisy than wall time on a shared machine), and GFLOP/s = 2·m·n·k / s for both.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "Time float32 GEMM C = op(A) op(B) on the CPU: median of the repeats after a warm-up to steady state.")
public final class BenchGemm implements Runnable {
    @Option(names = "--n", defaultValue = "1024", description = "Square size n when no --shape is given (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--shape", paramLabel = "M,N,K[,TA,TB]",
            description = "C (M, N) = op(A) (M, K) x op(B) (K, N); TA = 1: A is stored (K, M), TB = 1: B is stored (N, K). Repeatable.")
    List<String> shapes = new ArrayList<>();

    @Option(names = "--model-shapes", description = "Time the projection GEMMs of the Vim/VMamba nano and tiny presets (listed by --list-model-shapes).")
    boolean modelShapes;

    @Option(names = "--list-model-shapes", description = "Print the model shapes with where they come from, and exit.")
    boolean listModelShapes;

    @Option(names = "--threads", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--repeats", defaultValue = "10", description = "Timed runs per shape (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup-ms", defaultValue = "2000",
            description = "Minimum warm-up of the first shape in ms (default ${DEFAULT-VALUE}); the warm-up goes on until the timings stop improving.")
    long warmupMs;

    @Option(names = "--shape-warmup-ms", defaultValue = "300",
            description = "Minimum warm-up of each later shape in ms, at most --warmup-ms (default ${DEFAULT-VALUE}); the JIT has compiled the kernels by then.")
    long shapeWarmupMs;

    @Option(names = "--cpu-ms", defaultValue = "200",
            description = "Minimum length in ms of the batch of calls whose CPU time is measured, after the timed repeats (default ${DEFAULT-VALUE}).")
    long cpuMs;

    @Option(names = "--tile-probe", description = "Time the register tile alone (one thread; B in L1, and B from L2) against this core's FMA ceiling "
            + "(12 chains, and for a tile of 8 or 9 accumulators also that many chains), with the packed B panels at 4 alignments (issue 22), and exit.")
    boolean tileProbe;

    @Option(names = "--serve", description = "Read requests 'M,N,K,TA,TB MS' from standard input, one per line; for each, time that shape for MS "
            + "milliseconds (warmed up on its first request) and print one {\"case\":\"gemm-batch\"} JSON line; for tensor/bench/paired_gemm.py, "
            + "which alternates such batches with numpy's so that both sides see the same moments of a shared machine.")
    boolean serve;

    @Option(names = "--json", description = "Print JSON lines instead of text: one {\"case\":\"gemm-kernel\"} line, then one {\"case\":\"gemm\"} line per shape.")
    boolean json;

    /** One GEMM shape: C (m, n) = op(A) (m, k) op(B) (k, n); label says where it comes from. */
    record Shape(int m, int n, int k, boolean transA, boolean transB, String label) {
        String spec() { return m + "," + n + "," + k + "," + (transA ? 1 : 0) + "," + (transB ? 1 : 0); }
    }

    /**
     * The float32 GEMMs of a training step of the model presets that take the most time or have the
     * skinniest shapes, as {@code -Djmamba.gemm.trace=true bench train} lists them: vim-nano at
     * batch 32, 28 px (T = 32 * 50 tokens, d 48, d_inner 96, x_proj 3 + 2 * 8); vim-tiny at batch 8,
     * 224 px (T = 8 * 197, d 192, d_inner 384, x_proj 12 + 2 * 16); vmamba-tiny at batch 1, 224 px.
     */
    static final List<Shape> MODEL_SHAPES = List.of(
            new Shape(1600, 192, 48, false, true, "vim-nano in_proj forward"),
            new Shape(1600, 48, 192, false, false, "vim-nano in_proj input grad"),
            new Shape(48, 192, 1600, true, false, "vim-nano in_proj weight grad"),
            new Shape(1600, 96, 19, false, false, "vim-nano x_proj input grad"),
            new Shape(50, 19, 96, true, true, "vim-nano x_proj forward, per image"),
            new Shape(1576, 768, 192, false, true, "vim-tiny in_proj forward"),
            new Shape(1576, 192, 768, false, false, "vim-tiny in_proj input grad"),
            new Shape(192, 768, 1576, true, false, "vim-tiny in_proj weight grad"),
            new Shape(197, 44, 384, true, true, "vim-tiny x_proj forward, per image"),
            new Shape(197, 192, 384, true, true, "vim-tiny out_proj forward, per image"),
            new Shape(197, 384, 12, false, true, "vim-tiny dt_proj forward, per image"),
            new Shape(196, 1536, 384, false, true, "vmamba-tiny stage 3 MLP fc1 forward"),
            new Shape(196, 384, 1536, false, true, "vmamba-tiny stage 3 MLP fc2 forward"),
            new Shape(1536, 384, 196, true, false, "vmamba-tiny stage 3 MLP fc1 weight grad"),
            new Shape(3136, 96, 384, false, true, "vmamba-tiny stage 1 MLP fc2 forward"),
            new Shape(26, 196, 384, false, false, "vmamba-tiny stage 3 x_proj, per image"));

    @Override public void run() {
        if (listModelShapes) {
            for (Shape s : MODEL_SHAPES) System.out.println(s.spec() + "  " + s.label());
            return;
        }
        if (n < 1) throw UserError.usage("--n must be >= 1, got " + n);
        if ((long) n * n > Integer.MAX_VALUE - 8) throw UserError.usage("--n must be at most 46340 (an (n, n) float matrix is one Java array), got " + n);
        if (repeats < 1) throw UserError.usage("--repeats must be >= 1, got " + repeats);
        if (warmupMs < 0) throw UserError.usage("--warmup-ms must be >= 0, got " + warmupMs);
        if (shapeWarmupMs < 0) throw UserError.usage("--shape-warmup-ms must be >= 0, got " + shapeWarmupMs);
        if (cpuMs < 0) throw UserError.usage("--cpu-ms must be >= 0, got " + cpuMs);
        if (threads != null) {
            if (threads < 1) throw UserError.usage("--threads must be >= 1, got " + threads);
            Parallel.setThreads(threads);
        }
        List<Shape> todo = new ArrayList<>();
        for (String spec : shapes) todo.add(parse(spec));
        if (modelShapes) todo.addAll(MODEL_SHAPES);
        if (todo.isEmpty()) todo.add(new Shape(n, n, n, false, false, "square"));

        String kernel = Sgemm.describe();
        if (serve) {
            BenchGemmServer.serve(kernel, Math.min(warmupMs, Math.max(shapeWarmupMs, 0)), warmupMs);
            return;
        }
        if (tileProbe) {
            tileProbe(kernel);
            return;
        }
        if (json) {
            System.out.println("{\"case\":\"gemm-kernel\",\"threads\":" + Parallel.threads() + ",\"kernel\":\"" + kernel.replace("\"", "'") + "\"}");
        } else {
            System.out.println("sgemm: " + kernel);
        }
        boolean first = true;
        for (Shape s : todo) {
            report(s, time(s, first ? warmupMs : Math.min(warmupMs, shapeWarmupMs)));
            first = false;
        }
    }

    private void tileProbe(String kernel) {
        if (!SimdSupport.ENABLED) throw UserError.runtime("bench gemm --tile-probe needs the Vector API (java --add-modules jdk.incubator.vector, as ./jmamba runs it)");
        if (!json) System.out.println("sgemm: " + kernel);
        for (SgemmTileProbe.Result r : SgemmTileProbe.run(600)) {
            if (json) {
                System.out.printf(Locale.ROOT, "{\"case\":\"gemm-tile-probe\",\"what\":\"%s\",\"b_offset_floats\":%d,\"gflops\":%.2f}%n",
                        r.what(), r.bOffsetFloats(), r.gflops());
            } else {
                System.out.printf(Locale.ROOT, "%-34s %-14s %8.1f GFLOP/s%n", r.what(), r.what().startsWith("fma-ceiling") ? "" : "B +" + r.bOffsetFloats() + " floats", r.gflops());
            }
        }
    }

    /**
     * One shape: median wall ms, mean CPU ms per call (all threads), fastest and slowest wall ms, and the round trip
     * between two threads just before the timed runs (ns; NaN on one thread).
     */
    private record Timing(double ms, double cpuMs, double minMs, double maxMs, double roundTripNs) {}

    /** One call of shape s on fresh seeded operands (A from seed 1, B from seed 2, alpha 1, beta 0), kept by the Runnable. */
    static Runnable call(Shape s) {
        int lda = s.transA() ? s.m() : s.k(), ldb = s.transB() ? s.k() : s.n();
        float[] a = random(s.m() * s.k(), 1), b = random(s.k() * s.n(), 2), c = new float[s.m() * s.n()];
        return () -> Sgemm.sgemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, s.n());
    }

    private Timing time(Shape s, long minWarmMs) {
        Runnable call = call(s);
        warmUp(call, minWarmMs, Math.max(5, repeats / 2));
        double roundTripNs = Parallel.threads() > 1 ? ThreadRoundTrip.medianNanos(20) : Double.NaN;
        double[] ms = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            call.run();
            ms[r] = (System.nanoTime() - t0) / 1e6;
        }
        // CPU time over a batch of at least the repeats and cpuMs, without per-call clock reads
        long cpu0 = allThreadsCpuNanos(), batchStart = System.nanoTime();
        int calls = 0;
        while (calls < repeats || System.nanoTime() - batchStart < cpuMs * 1_000_000L) {
            call.run();
            calls++;
        }
        double cpuMs = (allThreadsCpuNanos() - cpu0) / 1e6 / calls;
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        return new Timing(median(ms, repeats), cpuMs, sorted[0], sorted[repeats - 1], roundTripNs);
    }

    /**
     * Runs {@code call} for at least minWarmMs (and 3 calls), then in windows of >= 100 ms until a window's median of
     * its first {@code perWindow} calls is no longer 3% faster than the previous window's (at most 20 windows).
     */
    static void warmUp(Runnable call, long minWarmMs, int perWindow) {
        long start = System.nanoTime();
        for (int w = 0; w < 3 || System.nanoTime() - start < minWarmMs * 1_000_000L; w++) call.run();
        double previous = Double.MAX_VALUE;
        for (int window = 0; window < 20; window++) {
            double[] ms = new double[perWindow];
            long windowStart = System.nanoTime();
            for (int run = 0; run < perWindow; run++) {
                long t0 = System.nanoTime();
                call.run();
                ms[run] = (System.nanoTime() - t0) / 1e6;
            }
            double median = median(ms, perWindow);
            while (System.nanoTime() - windowStart < 100_000_000L) call.run(); // windows of >= 100 ms
            if (median > 0.97 * previous) break;
            previous = median;
        }
    }

    /** CPU time of all live JVM threads (the caller and the pool workers; JIT and GC add a little). */
    static long allThreadsCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : mx.getAllThreadIds()) sum += Math.max(0, mx.getThreadCpuTime(id));
        return sum;
    }

    private void report(Shape s, Timing t) {
        double flop = 2.0 * s.m() * s.n() * s.k();
        double gflops = flop / (t.ms() * 1e-3) / 1e9;
        double cpuGflops = t.cpuMs() > 0 ? flop / (t.cpuMs() * 1e-3) / 1e9 : Double.NaN;
        int th = Parallel.threads();
        boolean rtt = !Double.isNaN(t.roundTripNs());
        if (json) {
            System.out.println(String.format(Locale.ROOT,
                    "{\"case\":\"gemm\",\"n\":%d,\"m\":%d,\"k\":%d,\"ta\":%d,\"tb\":%d,\"device\":\"cpu\",\"threads\":%d,"
                            + "\"ms\":%.4f,\"gflops\":%.2f,\"cpu_ms\":%.4f,\"cpu_gflops\":%.2f,%s\"label\":\"%s\"}",
                    s.n(), s.m(), s.k(), s.transA() ? 1 : 0, s.transB() ? 1 : 0, th, t.ms(), gflops, t.cpuMs(),
                    Double.isNaN(cpuGflops) ? 0.0 : cpuGflops,
                    rtt ? String.format(Locale.ROOT, "\"thread_round_trip_ns\":%.0f,", t.roundTripNs()) : "", s.label()));
        } else {
            System.out.println(String.format(Locale.ROOT,
                    "gemm %s (%s) cpu threads=%d: median %.3f ms over %d runs, %.1f GFLOP/s (min %.3f ms, max %.3f ms); CPU %.3f ms per call, %.1f GFLOP/CPU-s%s",
                    s.spec(), s.label(), th, t.ms(), repeats, gflops, t.minMs(), t.maxMs(), t.cpuMs(), cpuGflops,
                    rtt ? String.format(Locale.ROOT, "; thread round trip %.0f ns", t.roundTripNs()) : ""));
        }
    }

    static Shape parse(String spec) {
        String[] f = spec.split(",");
        if (f.length != 3 && f.length != 5) {
            throw UserError.usage("--shape must be M,N,K or M,N,K,TA,TB (TA, TB 0 or 1), got '" + spec + "'");
        }
        int[] v = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            try {
                v[i] = Integer.parseInt(f[i].trim());
            } catch (NumberFormatException e) {
                throw UserError.usage("--shape must be M,N,K or M,N,K,TA,TB with integers, got '" + spec + "'");
            }
        }
        if (v[0] < 1 || v[1] < 1 || v[2] < 1) throw UserError.usage("--shape sizes must be >= 1, got '" + spec + "'");
        if ((long) v[0] * v[2] > Integer.MAX_VALUE - 8 || (long) v[2] * v[1] > Integer.MAX_VALUE - 8 || (long) v[0] * v[1] > Integer.MAX_VALUE - 8) {
            throw UserError.usage("--shape matrices must have fewer than 2^31 elements, got '" + spec + "'");
        }
        if (f.length == 5 && ((v[3] != 0 && v[3] != 1) || (v[4] != 0 && v[4] != 1))) {
            throw UserError.usage("--shape TA and TB must be 0 or 1, got '" + spec + "'");
        }
        return new Shape(v[0], v[1], v[2], f.length == 5 && v[3] == 1, f.length == 5 && v[4] == 1, "shape");
    }

    /** Median of the first {@code count} values (the mean of the middle two for an even count). */
    static double median(double[] x, int count) {
        double[] s = Arrays.copyOf(x, count);
        Arrays.sort(s);
        return count % 2 == 1 ? s[count / 2] : (s[count / 2 - 1] + s[count / 2]) / 2;
    }

    private static float[] random(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
