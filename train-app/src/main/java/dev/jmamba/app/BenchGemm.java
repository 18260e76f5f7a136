package dev.jmamba.app;

import dev.jmamba.tensor.cpu.Parallel;
import dev.jmamba.tensor.cpu.Sgemm;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jmamba bench gemm}: times C = A * B for square float32 (n, n) matrices on the CPU backend
 * after a warm-up, and reports the median of the repeats and GFLOP/s = 2 n^3 / seconds.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "Time float32 GEMM C = A * B, (n, n) x (n, n), on the CPU: median of the repeats after a warm-up.")
public final class BenchGemm implements Runnable {
    @Option(names = "--n", defaultValue = "1024", description = "Matrix size n (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--threads", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--repeats", defaultValue = "10", description = "Timed runs (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup-ms", defaultValue = "2000",
            description = "Minimum warm-up time in ms (default ${DEFAULT-VALUE}; C2 needs ~1 s to compile the SIMD kernel on a busy machine).")
    long warmupMs;

    @Option(names = "--json", description = "Print one JSON line instead of text.")
    boolean json;

    @Override public void run() {
        if (n < 1) throw UserError.usage("--n must be >= 1, got " + n);
        if ((long) n * n > Integer.MAX_VALUE - 8) throw UserError.usage("--n must be at most 46340 (an (n, n) float matrix is one Java array), got " + n);
        if (repeats < 1) throw UserError.usage("--repeats must be >= 1, got " + repeats);
        if (threads != null) {
            if (threads < 1) throw UserError.usage("--threads must be >= 1, got " + threads);
            Parallel.setThreads(threads);
        }
        float[] a = random(n, 1), b = random(n, 2), c = new float[n * n]; // (n, n) each
        long warmEnd = System.nanoTime() + warmupMs * 1_000_000L;
        for (int w = 0; w < 3 || System.nanoTime() < warmEnd; w++) multiply(a, b, c);
        double[] ms = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            multiply(a, b, c);
            ms[r] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        double median = repeats % 2 == 1 ? ms[repeats / 2] : (ms[repeats / 2 - 1] + ms[repeats / 2]) / 2;
        double gflops = 2.0 * n * n * n / (median * 1e-3) / 1e9;
        int t = Parallel.threads();
        if (json) {
            System.out.println(String.format(Locale.ROOT,
                    "{\"case\":\"gemm\",\"n\":%d,\"device\":\"cpu\",\"threads\":%d,\"ms\":%.4f,\"gflops\":%.2f}", n, t, median, gflops));
        } else {
            System.out.println(String.format(Locale.ROOT,
                    "gemm n=%d cpu threads=%d: median %.3f ms over %d runs, %.1f GFLOP/s (min %.3f ms, max %.3f ms)",
                    n, t, median, repeats, gflops, ms[0], ms[repeats - 1]));
        }
    }

    private void multiply(float[] a, float[] b, float[] c) {
        Sgemm.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
    }

    private static float[] random(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
