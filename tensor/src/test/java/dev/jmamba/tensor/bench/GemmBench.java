package dev.jmamba.tensor.bench;

import dev.jmamba.tensor.cpu.Parallel;
import dev.jmamba.tensor.cpu.Sgemm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: float32 C = op(A) op(B) through {@link Sgemm#sgemm}. {@code shape} is MxNxKxTAxTB (TA = 1: A
 * stored (K, M); TB = 1: B stored (N, K); x-separated because JMH splits parameter lists at commas);
 * {@code threads} 0 keeps the pool's size. The model shapes are
 * listed by {@code jmamba bench gemm --list-model-shapes}; {@code tensor/bench/jmh_vs_numpy.sh} runs this
 * against numpy on the same shapes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {
    @Param({"256x256x256x0x0", "1024x1024x1024x0x0", "1600x192x48x0x1", "197x44x384x1x1"})
    String shape;

    @Param({"0"})
    int threads;

    int m, n, k, lda, ldb;
    boolean transA, transB;
    float[] a, b, c; // op(A) (m, k), op(B) (k, n), C (m, n)

    @Setup
    public void setup() {
        String[] f = shape.split("x");
        m = Integer.parseInt(f[0]); n = Integer.parseInt(f[1]); k = Integer.parseInt(f[2]);
        transA = f.length > 3 && f[3].equals("1");
        transB = f.length > 4 && f[4].equals("1");
        lda = transA ? m : k;
        ldb = transB ? k : n;
        if (threads > 0) Parallel.setThreads(threads);
        SplittableRandom rnd = new SplittableRandom(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextDouble(-1, 1);
    }

    @Benchmark
    public float[] sgemm() {
        Sgemm.sgemm(transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        return c;
    }
}
