package dev.jmamba.tensor.bench;

import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.Tensor;
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
 * JMH: residual add + RMS norm on (8, 197, C) float32 (a Vim layer at batch 8), CPU backend. The
 * unfused forward is add then rmsNorm; the unfused backward is the tensor ops of autograd's rmsNorm
 * rule plus the add of the residual-stream gradient. The fused ones are the backend primitives.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AddRmsNormBench {
    @Param({"192", "384"})
    int channels;

    Tensor x, residual, gy, gSum;   // (8, 197, C)
    Tensor weight;                  // (C)
    Tensor sum, rstd;               // saved by the forward: (8, 197, C) and (8, 197)
    Backend backend;

    @Setup
    public void setup() {
        x = Tensor.randn(1, 8, 197, channels);
        residual = Tensor.randn(2, 8, 197, channels);
        gy = Tensor.randn(3, 8, 197, channels);
        gSum = Tensor.randn(4, 8, 197, channels);
        weight = Tensor.randn(5, channels);
        backend = x.backend();
        Tensor[] f = backend.addRmsNorm(x, residual, weight, 1e-5);
        sum = f[1];
        rstd = f[2];
    }

    @Benchmark
    public void forwardUnfused() {
        try (dev.jmamba.tensor.Scope s = dev.jmamba.tensor.Scope.open()) { backend.rmsNorm(x.add(residual), weight, 1e-5); }
    }

    @Benchmark
    public void forwardFused() {
        try (dev.jmamba.tensor.Scope s = dev.jmamba.tensor.Scope.open()) { backend.addRmsNorm(x, residual, weight, 1e-5); }
    }

    /** dx = r (g − x̂ mean(g x̂)) + gSum, dweight = Σ gy x̂, as separate tensor ops. */
    @Benchmark
    public void backwardUnfused() {
        try (dev.jmamba.tensor.Scope s = dev.jmamba.tensor.Scope.open()) {
            Tensor r = rstd.unsqueeze(-1), xhat = sum.mul(r), g = gy.mul(weight);
            g.sub(xhat.mul(g.mul(xhat).mean(true, -1))).mul(r).add(gSum);
            gy.mul(xhat).sumTo(channels);
        }
    }

    @Benchmark
    public void backwardFused() {
        try (dev.jmamba.tensor.Scope s = dev.jmamba.tensor.Scope.open()) {
            backend.addRmsNormBackward(gy, gSum, sum, rstd, weight, true);
        }
    }
}
