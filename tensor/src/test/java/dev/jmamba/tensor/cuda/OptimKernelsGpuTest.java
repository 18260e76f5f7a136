package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.Updates;
import dev.jmamba.tensor.testing.RandomTensors;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fused optimizer kernels of {@code optim.cu} against the CPU backend on the same inputs.
 * Tolerance 0, bit for bit: both round the factors once from double, then do the same correctly
 * rounded operations (mul, add, sub, div, sqrt) in the same order with no fused multiply-add
 * (the kernels use the {@code __f*_rn} / {@code __d*_rn} intrinsics, which are never contracted).
 */
@Tag("gpu")
class OptimKernelsGpuTest {
    private static final Device GPU = Device.cuda(0);
    /** Odd and larger than one grid-stride pass of a small GPU, so threads loop. */
    private static final int N = 1_000_003;

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    /** Seeded values in [low, high) of {@code dtype} on the CPU, as a 1-D view starting at element {@code offset} of its storage. */
    private static Tensor values(long seed, int offset, double low, double high, DType dtype) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[N + offset];
        for (int i = 0; i < v.length; i++) v[i] = low + (high - low) * random.nextDouble();
        return RandomTensors.tensor(v, dtype, Device.CPU, N + offset).narrow(0, offset, N);
    }

    /** A GPU copy of a CPU tensor at a storage offset (narrowed out of a longer GPU tensor). */
    private static Tensor onGpu(Tensor cpu, int offset) {
        Tensor longer = Tensor.zeros(cpu.dtype(), GPU, N + offset).narrow(0, offset, N);
        longer.copyFrom(cpu.to(GPU));
        return longer;
    }

    private static void assertSameBits(Tensor cpu, Tensor gpu, String what) {
        if (cpu.dtype() == DType.F32) assertArrayEquals(cpu.toFloatArray(), gpu.to(Device.CPU).toFloatArray(), what);
        else assertArrayEquals(cpu.toDoubleArray(), gpu.to(Device.CPU).toDoubleArray(), what);
    }

    @Test
    void adamwEqualsTheCpuBitForBit() {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (double wd : new double[] {0, 0.05}) {
                String what = dtype + " wd=" + wd;
                Tensor p = values(1, 0, -1, 1, dtype), g = values(2, 1, -1, 1, dtype), m = values(3, 0, -0.1, 0.1, dtype), v = values(4, 0, 0, 1, dtype);
                Tensor gp = onGpu(p, 1), gg = onGpu(g, 0), gm = onGpu(m, 3), gv = onGpu(v, 0);
                for (long t = 1; t <= 3; t++) {
                    double bc1 = 1 - Math.pow(0.9, t), bc2 = 1 - Math.pow(0.999, t);
                    Updates.adamw(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, wd, bc1, bc2);
                    Updates.adamw(gp, gg, gm, gv, 1e-3, 0.9, 0.999, 1e-8, wd, bc1, bc2);
                }
                assertSameBits(m, gm, what + " exp_avg");
                assertSameBits(v, gv, what + " exp_avg_sq");
                assertSameBits(p, gp, what + " param");
            }
        }
    }

    @Test
    void sgdEqualsTheCpuBitForBit() {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (double wd : new double[] {0, 0.01}) {
                for (int variant = 0; variant < 4; variant++) {  // 0: no momentum; 1: momentum; 2: Nesterov; 3: momentum with dampening
                    String what = dtype + " wd=" + wd + " variant " + variant;
                    double momentum = variant == 0 ? 0 : 0.9, dampening = variant == 3 ? 0.25 : 0;
                    boolean nesterov = variant == 2;
                    Tensor p = values(5, 0, -1, 1, dtype), g = values(6, 2, -1, 1, dtype);
                    Tensor buf = variant == 0 ? null : values(7, 0, -1, 1, dtype);
                    Tensor gp = onGpu(p, 0), gg = onGpu(g, 1), gbuf = buf == null ? null : onGpu(buf, 2);
                    for (int step = 0; step < 3; step++) {
                        Updates.sgd(p, g, buf, 0.05, momentum, dampening, wd, nesterov, step == 0 && buf != null);
                        Updates.sgd(gp, gg, gbuf, 0.05, momentum, dampening, wd, nesterov, step == 0 && buf != null);
                    }
                    assertSameBits(p, gp, what + " param");
                    if (buf != null) assertSameBits(buf, gbuf, what + " momentum_buffer");
                }
            }
        }
    }

    /** The {@code _dev} kernels (factors read from a device tensor, as a replayed graph does) against the CPU's host-argument form. */
    @Test
    void factorsFromADeviceTensorEqualTheCpuBitForBit() {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            String what = dtype.toString();
            Tensor p = values(11, 0, -1, 1, dtype), g = values(12, 1, -1, 1, dtype), m = values(13, 0, -0.1, 0.1, dtype), v = values(14, 0, 0, 1, dtype);
            Tensor gp = onGpu(p, 1), gg = onGpu(g, 0), gm = onGpu(m, 3), gv = onGpu(v, 0);
            Tensor sp = values(15, 0, -1, 1, dtype), buf = values(16, 0, -1, 1, dtype);
            Tensor gsp = onGpu(sp, 0), gbuf = onGpu(buf, 1);
            Tensor table = Tensor.zeros(DType.F64, GPU, 2, Updates.AdamwFactors.COUNT);  // row 1 is used: a non-zero offset
            Tensor sgdTable = Tensor.zeros(DType.F64, GPU, Updates.SgdFactors.COUNT);
            for (long t = 1; t <= 3; t++) {
                double lr = 1e-3 * t, bc1 = 1 - Math.pow(0.9, t), bc2 = 1 - Math.pow(0.999, t);
                Updates.adamw(p, g, m, v, lr, 0.9, 0.999, 1e-8, 0.05, bc1, bc2);
                double[] f = Updates.AdamwFactors.derive(lr, 0.9, 0.999, 1e-8, 0.05, bc1, bc2).values();
                table.select(0, 1).copyFrom(Tensor.of(f, f.length).to(GPU));
                Updates.adamw(gp, gg, gm, gv, table.select(0, 1));
                Updates.sgd(sp, g, buf, lr, 0.9, 0, 0.01, true, false);
                double[] sf = Updates.SgdFactors.of(sp, g, buf, lr, 0.9, 0, 0.01, true, false).values();
                sgdTable.copyFrom(Tensor.of(sf, sf.length).to(GPU));
                Updates.sgd(gsp, gg, gbuf, sgdTable, true, true, false);
            }
            assertSameBits(m, gm, what + " exp_avg");
            assertSameBits(v, gv, what + " exp_avg_sq");
            assertSameBits(p, gp, what + " adamw param");
            assertSameBits(sp, gsp, what + " sgd param");
            assertSameBits(buf, gbuf, what + " momentum_buffer");
        }
    }

    /** A NaN step size (AdamW) or lr (SGD) in the device factors calls the update off: nothing changes, even with a NaN gradient. */
    @Test
    void nanGateInTheDeviceFactorsLeavesEverythingUntouched() {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            Tensor p = onGpu(values(21, 0, -1, 1, dtype), 0), m = onGpu(values(22, 0, -0.1, 0.1, dtype), 0), v = onGpu(values(23, 0, 0, 1, dtype), 0);
            Tensor nanGrad = Tensor.full(Double.NaN, dtype, GPU, N), buf = onGpu(values(24, 0, -1, 1, dtype), 0);
            Tensor p0 = p.to(Device.CPU), m0 = m.to(Device.CPU), v0 = v.to(Device.CPU), b0 = buf.to(Device.CPU);
            double[] f = Updates.AdamwFactors.derive(1e-3, 0.9, 0.999, 1e-8, 0.05, 0.1, 0.001).values();
            f[Updates.AdamwFactors.STEP_SIZE] = Double.NaN;
            Updates.adamw(p, nanGrad, m, v, Tensor.of(f, f.length).to(GPU));
            double[] sf = {Double.NaN, 0.9, 1, 0.01};
            Updates.sgd(p, nanGrad, buf, Tensor.of(sf, sf.length).to(GPU), true, false, false);
            assertSameBits(p0, p, dtype + " param");
            assertSameBits(m0, m, dtype + " exp_avg");
            assertSameBits(v0, v, dtype + " exp_avg_sq");
            assertSameBits(b0, buf, dtype + " momentum_buffer");
        }
    }

    /**
     * sum_squares_list against the CPU's sequential double sums, on 150 tensors (three launches of at
     * most 64) of both dtypes, odd sizes, an empty one and one of N elements at a storage offset: both
     * square in double, so the only difference is the order of the additions (a fixed block tree on
     * the GPU): relative 1e-12 is ~10^4 ulps of double, far above the ~sqrt(N)·2^-53 drift of
     * reordering N = 10^6 positive terms. A second launch gives the same bits (fixed order).
     */
    @Test
    void sumOfSquaresMatchesTheCpuAndRepeatsBitForBit() {
        java.util.List<Tensor> cpu = new java.util.ArrayList<>(), gpu = new java.util.ArrayList<>();
        SplittableRandom random = new SplittableRandom(5);
        for (int t = 0; t < 150; t++) {
            DType dtype = t % 3 == 0 ? DType.F64 : DType.F32;
            if (t == 7) {
                Tensor x = values(11, 3, -2, 2, DType.F32);
                cpu.add(x);
                gpu.add(onGpu(x, 3));
                continue;
            }
            int n = t == 40 ? 0 : 1 + random.nextInt(5000);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = random.nextDouble(-3, 3);
            Tensor x = RandomTensors.tensor(v, dtype, Device.CPU, n);
            cpu.add(x);
            gpu.add(x.to(GPU));
        }
        Tensor want = Tensor.full(-1, DType.F64, Device.CPU, 151), out = Tensor.full(-1, DType.F64, GPU, 151);
        Updates.sumOfSquares(cpu, want);
        Updates.sumOfSquares(gpu, out);
        double[] w = want.toDoubleArray(), got = out.to(Device.CPU).toDoubleArray();
        for (int t = 0; t < 150; t++) org.junit.jupiter.api.Assertions.assertEquals(w[t], got[t], Math.abs(w[t]) * 1e-12, "tensor " + t);
        org.junit.jupiter.api.Assertions.assertEquals(-1, got[150], 0.0, "out past the list untouched");
        org.junit.jupiter.api.Assertions.assertEquals(0, got[40], 0.0, "empty tensor");
        Tensor again = Tensor.zeros(DType.F64, GPU, 150);
        Updates.sumOfSquares(gpu, again);
        double[] a = again.to(Device.CPU).toDoubleArray();
        for (int t = 0; t < 150; t++) org.junit.jupiter.api.Assertions.assertEquals(Double.doubleToLongBits(got[t]), Double.doubleToLongBits(a[t]), "same bits again " + t);
    }
}
