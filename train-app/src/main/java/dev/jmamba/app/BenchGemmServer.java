package dev.jmamba.app;

import dev.jmamba.tensor.cpu.Parallel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jmamba bench gemm --serve}: times batches of one GEMM shape on request, so that a driver
 * ({@code tensor/bench/paired_gemm.py}) can alternate them with numpy's batches of the same shape a
 * fraction of a second apart. On a shared machine the host moves a VM's vCPUs between cores that share
 * a cache, cores that do not, and the two hyperthreads of one core, for seconds at a time (GEMM-NOTES.md,
 * issue 22); two processes run minutes apart see different machines, two batches run 0.3 s apart the
 * same one.
 *
 * <p>Protocol: one request per line on standard input, {@code M,N,K,TA,TB MS}; the reply is one JSON line
 * {@code {"case":"gemm-batch", ...}} with the batch's median and 10th-percentile wall time per call and
 * the CPU time per call of all JVM threads; a malformed request gets {@code {"case":"gemm-error", ...}}.
 * The first request for a shape warms it up first ({@link BenchGemm#warmUp}: the first shape for {@code firstWarmupMs},
 * later ones for {@code warmupMs}, then until a window's median stops improving by 3%). End of input ends it.
 */
final class BenchGemmServer {
    private BenchGemmServer() {}

    static void serve(String kernel, long warmupMs, long firstWarmupMs) {
        System.out.println("{\"case\":\"gemm-kernel\",\"threads\":" + Parallel.threads() + ",\"kernel\":\"" + kernel.replace("\"", "'") + "\"}");
        System.out.flush();
        Map<String, Runnable> warmed = new HashMap<>(); // one call of each shape (its operands kept), by spec
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] words = line.trim().split("\\s+");
                long batchMs;
                BenchGemm.Shape shape;
                try {
                    if (words.length != 2) throw UserError.usage("a request is 'M,N,K,TA,TB MS', got '" + line.trim() + "'");
                    shape = BenchGemm.parse(words[0]);
                    batchMs = Long.parseLong(words[1]);
                    if (batchMs < 1) throw UserError.usage("the batch length MS must be >= 1, got " + batchMs);
                } catch (UserError | NumberFormatException e) {
                    System.out.println("{\"case\":\"gemm-error\",\"message\":\"" + e.getMessage().replace("\"", "'") + "\"}");
                    System.out.flush();
                    continue;
                }
                Runnable call = warmed.get(shape.spec());
                if (call == null) {
                    call = BenchGemm.call(shape);
                    BenchGemm.warmUp(call, warmed.isEmpty() ? firstWarmupMs : warmupMs, 5);
                    warmed.put(shape.spec(), call);
                }
                System.out.println(batch(shape, call, batchMs));
                System.out.flush();
            }
        } catch (IOException e) {
            throw UserError.runtime("bench gemm --serve: reading requests failed: " + e.getMessage());
        }
    }

    /** {median ms, 10th-percentile ms, calls} of the calls of a batch of at least ms milliseconds (and 5 calls). */
    private static double[] timed(Runnable call, long ms) {
        double[] t = new double[1024];
        int calls = 0;
        long start = System.nanoTime(), end = start + ms * 1_000_000L;
        for (long now = start; calls < 5 || now < end; ) {
            call.run();
            long after = System.nanoTime();
            if (calls == t.length) t = Arrays.copyOf(t, 2 * t.length);
            t[calls++] = (after - now) / 1e6;
            now = after;
        }
        double[] sorted = Arrays.copyOf(t, calls);
        Arrays.sort(sorted);
        return new double[] {BenchGemm.median(t, calls), sorted[calls / 10], calls};
    }

    private static String batch(BenchGemm.Shape s, Runnable call, long ms) {
        long cpu0 = BenchGemm.allThreadsCpuNanos();
        long wall0 = System.nanoTime();
        double[] t = timed(call, ms);
        double wallMs = (System.nanoTime() - wall0) / 1e6, cpuMs = (BenchGemm.allThreadsCpuNanos() - cpu0) / 1e6;
        double flop = 2.0 * s.m() * s.n() * s.k();
        return String.format(Locale.ROOT,
                "{\"case\":\"gemm-batch\",\"n\":%d,\"m\":%d,\"k\":%d,\"ta\":%d,\"tb\":%d,\"device\":\"cpu\",\"threads\":%d,\"calls\":%d,"
                        + "\"ms\":%.5f,\"p10_ms\":%.5f,\"gflops\":%.2f,\"cpu_per_wall\":%.3f}",
                s.n(), s.m(), s.k(), s.transA() ? 1 : 0, s.transB() ? 1 : 0, Parallel.threads(), (int) t[2], t[0], t[1],
                flop / (t[0] * 1e-3) / 1e9, cpuMs / wallMs);
    }
}
