package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every elementwise kernel (NVRTC-compiled) against a CPU loop on seeded random data. Sizes are
 * not multiples of 4 so the float4 path and its scalar tail both run; an offset of one float
 * makes the pointers unaligned and forces the scalar path.
 */
@Tag("gpu")
class ElementwiseKernelsGpuTest {
    private static final int N = 1_000_003;

    private static float reference(CudaKernels.BinaryOp op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    private static DoubleUnaryOperator reference(CudaKernels.UnaryOp op) {
        return switch (op) {
            case EXP -> Math::exp;
            case LOG -> Math::log;
            case TANH -> Math::tanh;
            case SIGMOID -> x -> 1 / (1 + Math.exp(-x));
            case SILU -> x -> x / (1 + Math.exp(-x));
            case GELU -> x -> 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
            case SOFTPLUS -> x -> x > 20 ? x : Math.log1p(Math.exp(x));
        };
    }

    @Test
    void binaryOpsMatchTheCpu() {
        CudaContext context = GpuTests.context();
        CudaKernels kernels = GpuTests.kernels();
        float[] a = GpuTests.uniform(1, N, -10, 10);
        float[] b = GpuTests.uniform(2, N, 0.5, 10);   // no division by ~0
        long da = context.upload(a);
        long db = context.upload(b);
        long out = context.allocator().allocate(4L * N, context.stream());
        for (CudaKernels.BinaryOp op : CudaKernels.BinaryOp.values()) {
            for (int shift : new int[] {0, 1}) {   // 0: float4 path; 1: unaligned, scalar path
                int n = N - shift;
                kernels.binary(op, da + 4L * shift, db + 4L * shift, out + 4L * shift, n);
                float[] got = context.download(out + 4L * shift, n);
                for (int i = 0; i < n; i++) {
                    // + - * / on floats are correctly rounded on the GPU (no fast-math): results must be identical
                    assertEquals(reference(op, a[i + shift], b[i + shift]), got[i], 0f, op + " shift " + shift + " at " + i);
                }
            }
        }
        context.allocator().free(da);
        context.allocator().free(db);
        context.allocator().free(out);
    }

    @Test
    void stridedBroadcastMatchesTheCpu() {
        CudaContext context = GpuTests.context();
        CudaKernels kernels = GpuTests.kernels();
        long[] shape = {3, 5, 7, 2};
        int n = 3 * 5 * 7 * 2;
        float[] a = GpuTests.uniform(3, n, -5, 5);     // a: (3, 5, 7, 2) read transposed in its last two dims
        float[] b = GpuTests.uniform(4, 5 * 2, 1, 5);  // b: (5, 1, 2) broadcast over dims 0 and 2
        long[] stridesA = {70, 14, 1, 7};
        long[] stridesB = {0, 2, 0, 1};
        long da = context.upload(a);
        long db = context.upload(b);
        long out = context.allocator().allocate(4L * n, context.stream());
        for (CudaKernels.BinaryOp op : CudaKernels.BinaryOp.values()) {
            kernels.binaryStrided(op, da, db, out, shape, stridesA, stridesB);
            float[] got = context.download(out, n);
            int i = 0;
            for (int i0 = 0; i0 < 3; i0++) for (int i1 = 0; i1 < 5; i1++) for (int i2 = 0; i2 < 7; i2++) for (int i3 = 0; i3 < 2; i3++) {
                float x = a[i0 * 70 + i1 * 14 + i2 + i3 * 7];
                float y = b[i1 * 2 + i3];
                assertEquals(reference(op, x, y), got[i], 0f, op + " at " + i);
                i++;
            }
        }
        context.allocator().free(da);
        context.allocator().free(db);
        context.allocator().free(out);
    }

    @Test
    void unaryOpsMatchTheCpu() {
        CudaContext context = GpuTests.context();
        CudaKernels kernels = GpuTests.kernels();
        float[] x = GpuTests.uniform(5, N, -30, 30);
        float[] positive = GpuTests.uniform(6, N, 1e-3, 100);
        long dx = context.upload(x);
        long dpos = context.upload(positive);
        long out = context.allocator().allocate(4L * N, context.stream());
        for (CudaKernels.UnaryOp op : CudaKernels.UnaryOp.values()) {
            float[] input = op == CudaKernels.UnaryOp.LOG ? positive : x;
            long device = op == CudaKernels.UnaryOp.LOG ? dpos : dx;
            DoubleUnaryOperator f = reference(op);
            for (int shift : new int[] {0, 1}) {
                int n = N - shift;
                kernels.unary(op, device + 4L * shift, out + 4L * shift, n);
                float[] got = context.download(out + 4L * shift, n);
                for (int i = 0; i < n; i++) {
                    double expected = f.applyAsDouble(input[i + shift]);
                    // CUDA's expf/logf/tanhf/erff/log1pf are within 2 ulp (CUDA C Programming Guide, accuracy
                    // tables), composites within a few ulp: 1e-5 relative, 1e-6 absolute near zero
                    assertEquals(expected, got[i], 1e-5 * Math.abs(expected) + 1e-6, op + " shift " + shift + " at x=" + input[i + shift]);
                }
            }
        }
        context.allocator().free(dx);
        context.allocator().free(dpos);
        context.allocator().free(out);
    }

    @Test
    void fillAndSum() {
        CudaContext context = GpuTests.context();
        CudaKernels kernels = GpuTests.kernels();
        long out = context.allocator().allocate(4L * N, context.stream());
        kernels.fill(out, N, -2.25f);
        for (float v : context.download(out, N)) assertEquals(-2.25f, v);
        kernels.fill(out + 4, N - 1, 3f);   // unaligned
        float[] filled = context.download(out, N);
        assertEquals(-2.25f, filled[0]);
        for (int i = 1; i < N; i++) assertEquals(3f, filled[i]);

        for (int n : new int[] {1, 255, 257, 65_537, N}) {
            float[] x = GpuTests.uniform(7 + n, n, -1, 1);
            long dx = context.upload(x);
            long total = context.allocator().allocate(4, context.stream());
            kernels.sum(dx, n, total);
            double expected = 0;
            double magnitude = 0;
            for (float v : x) {
                expected += v;
                magnitude += Math.abs(v);
            }
            float got = context.download(total, 1)[0];
            // float accumulation in a fixed tree: error ≲ (log2 n + n / threads) · ε · Σ|x|; 1e-5 · Σ|x| covers it
            assertEquals(expected, got, 1e-5 * magnitude + 1e-6, "sum of " + n);
            kernels.sum(dx, n, total);
            assertEquals(got, context.download(total, 1)[0], 0f, "sum must be deterministic");
            context.allocator().free(dx);
            context.allocator().free(total);
        }
        context.allocator().free(out);
        // other suites in this JVM compile other sources through the same cache: what must hold is that
        // loading elementwise.cu again compiles nothing
        int before = context.kernels().compilations();
        new CudaKernels(context);
        assertTrue(context.kernels().compilations() == before, "elementwise.cu is compiled once, then served from the cache");
    }
}
