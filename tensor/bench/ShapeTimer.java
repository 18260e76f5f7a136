import dev.jmamba.tensor.cpu.Parallel;
import dev.jmamba.tensor.cpu.Sgemm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times {@code Sgemm.sgemm} of any build of the tensor module on M,N,K,TA,TB shapes, using only the
 * public API that every version has, so the same harness measures a before and an after:
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp TENSOR_CLASSES tensor/bench/ShapeTimer.java THREADS SECONDS SHAPE...
 * </pre>
 * Per shape: 3 s warm-up on the first shape (0.5 s on later ones) and on until the timings stop
 * improving, then calls for SECONDS; prints the
 * median wall time and, with one thread, GFLOP/s from the calling thread's CPU time (the work runs on
 * it), which a shared machine disturbs far less than wall time.
 */
public class ShapeTimer {
    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        Parallel.setThreads(threads);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        boolean first = true;
        for (int s = 2; s < args.length; s++) {
            String[] f = args[s].split(",");
            int m = Integer.parseInt(f[0]), n = Integer.parseInt(f[1]), k = Integer.parseInt(f[2]);
            boolean ta = f.length > 3 && f[3].equals("1"), tb = f.length > 4 && f[4].equals("1");
            float[] a = random(m * k, 1), b = random(k * n, 2), c = new float[m * n];
            int lda = ta ? m : k, ldb = tb ? k : n;
            Runnable call = () -> Sgemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
            long end = System.nanoTime() + (first ? 3_000_000_000L : 500_000_000L);
            while (System.nanoTime() < end) call.run();
            first = false;
            // then windows of 200 ms until a window's median is no longer 3% faster (code paths of a new shape compile late)
            double previous = Double.MAX_VALUE;
            for (int w = 0; w < 30; w++) {
                List<Double> win = new ArrayList<>();
                end = System.nanoTime() + 200_000_000L;
                while (System.nanoTime() < end || win.size() < 5) {
                    long t0 = System.nanoTime();
                    call.run();
                    win.add((System.nanoTime() - t0) / 1e6);
                }
                Collections.sort(win);
                double median = win.get(win.size() / 2);
                if (median > 0.97 * previous) break;
                previous = median;
            }
            List<Double> ms = new ArrayList<>(), cpu = new ArrayList<>();
            end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end || ms.size() < 5) {
                long t0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
                call.run();
                ms.add((System.nanoTime() - t0) / 1e6);
                cpu.add((mx.getCurrentThreadCpuTime() - c0) / 1e6);
            }
            Collections.sort(ms);
            Collections.sort(cpu);
            double flop = 2.0 * m * n * k, med = ms.get(ms.size() / 2), cpuMed = cpu.get(cpu.size() / 2);
            System.out.printf(Locale.ROOT, "%s threads=%d ms=%.4f gflops=%.2f%s%n", args[s], threads, med, flop / med / 1e6,
                    threads == 1 ? String.format(Locale.ROOT, " cpu_gflops=%.2f", flop / cpuMed / 1e6) : "");
        }
    }

    private static float[] random(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
