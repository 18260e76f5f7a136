package dev.jmamba.tensor.bench;

import dev.jmamba.tensor.cpu.VecKernels;
import dev.jmamba.tensor.cpu.VecKernelsSimd;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** JMH: elementwise add and sum reduction over 2^20 floats, plain loop vs Vector API (one thread). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class VecBench {
    static final int N = 1 << 20;
    float[] a, b, out; // (N) each

    @Setup
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(2);
        a = new float[N];
        b = new float[N];
        out = new float[N];
        for (int i = 0; i < N; i++) { a[i] = (float) rnd.nextDouble(-1, 1); b[i] = (float) rnd.nextDouble(-1, 1); }
    }

    @Benchmark
    public float[] addScalar() { VecKernels.add(a, 0, b, 0, out, 0, N); return out; }

    @Benchmark
    public float[] addSimd() { VecKernelsSimd.add(a, 0, b, 0, out, 0, N); return out; }

    @Benchmark
    public double sumScalar() { return VecKernels.sum(a, 0, N); }

    @Benchmark
    public double sumSimd() { return VecKernelsSimd.sum(a, 0, N); }
}
