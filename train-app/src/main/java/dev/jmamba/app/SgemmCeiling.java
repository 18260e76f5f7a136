package dev.jmamba.app;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;

/**
 * The compute ceiling {@code bench train} compares a step against: a float32 matmul
 * C = A·B of two (n, n) matrices through {@link Tensor#matmul} on the same device and with the same
 * settings the model's matmuls use (cuBLAS on a GPU, the blocked SIMD kernel on the CPU; under
 * {@code --precision bf16} the operands are bf16, as autocast makes the model's, with a float32
 * result — the bf16 tensor-core ceiling). Each run is
 * timed on the host up to a {@link Backend#synchronize}; the median of the runs counts
 * 2·n³ FLOPs (a multiply-add = 2 FLOPs, the usual GEMM convention).
 */
final class SgemmCeiling {
    /** Default n: 4096 on a GPU (about 3 ms on an H100), 1024 on the CPU to keep the run short. */
    static int defaultSize(Device device) {
        return device instanceof Device.Cpu ? 1024 : 4096;
    }

    /**
     * One measurement.
     *
     * @param n      the matrix side
     * @param ms     median milliseconds of one matmul
     * @param tflops 2·n³ / seconds / 1e12
     */
    record Result(int n, double ms, double tflops) {}

    private SgemmCeiling() {}

    /** {@code warmup} untimed matmuls, then the median of {@code repeats} timed ones, on {@code device}. */
    static Result measure(Device device, int n, int warmup, int repeats) {
        if (n < 1 || repeats < 1 || warmup < 0) {
            throw new IllegalArgumentException("sgemm ceiling needs n >= 1, repeats >= 1, warmup >= 0; got n=" + n
                    + ", repeats=" + repeats + ", warmup=" + warmup);
        }
        Backend backend = Backends.raw(device);
        double[] ms = new double[repeats];
        try (Scope outer = Scope.open()) {
            Tensor a = Tensor.random(RandomKind.NORMAL, 11, 0, 1, DType.F32, device, n, n);   // (n, n)
            Tensor b = Tensor.random(RandomKind.NORMAL, 12, 0, 1, DType.F32, device, n, n);   // (n, n)
            if (!(device instanceof Device.Cpu) && Autocast.acceleratorDefault() == DType.BF16) {
                a = a.to(DType.BF16);
                b = b.to(DType.BF16);
            }
            backend.synchronize();
            for (int i = -warmup; i < repeats; i++) {
                long t0 = System.nanoTime();
                try (Scope run = Scope.open()) {
                    a.matmul(b);
                    backend.synchronize();
                }
                if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        double median = repeats % 2 == 1 ? ms[repeats / 2] : (ms[repeats / 2 - 1] + ms[repeats / 2]) / 2;
        return new Result(n, median, 2.0 * n * n * n / (median * 1e-3) / 1e12);
    }
}
