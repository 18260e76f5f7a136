package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.util.Locale;

/**
 * GPU benchmarks of the CUDA backend through the {@link Tensor} API, one JSON line per case:
 * element-wise add of 2^26 floats ({@code Tensor.add}) next to a device-to-device copy
 * ({@code Tensor.copyFrom}, and the raw cuMemcpyDtoDAsync) in the same run; {@code Tensor.matmul}
 * 4096³ fp32 (TF32 off); host time per small Tensor op; 1000 small ops eager against the same ops
 * captured in a CUDA graph and replayed; sums over leading axes (column kernel) next to the same sum
 * computed as a transposing copy, then a row reduction. Device times from CUDA events, host times from
 * System.nanoTime. A lab, not a test: it lives in the test sources so it does not ship in the library jar.
 * Run (packed runtime, whose lib holds tensor-tests.jar):
 * {@code .device/run -cp '.device/lib/*' dev.jmamba.tensor.cuda.CudaTensorBench}.
 */
public final class CudaTensorBench {
    private static final Device GPU = Device.cuda(0);

    private CudaTensorBench() {}

    /** Runs every case on device 0. */
    public static void main(String[] args) {
        CudaBackend backend = GpuLab.backendOrExit();
        CudaContext context = backend.context();
        addAndCopy(context);
        matmul(context);
        leadingAxisSums(context);
        hostOverhead(context);
        graphVersusEager(context);
    }

    private static void addAndCopy(CudaContext context) {
        int n = 1 << 26;
        Tensor a = Tensor.random(RandomKind.UNIFORM, 1, 0, 1, DType.F32, GPU, n);
        Tensor b = Tensor.random(RandomKind.UNIFORM, 2, 0, 1, DType.F32, GPU, n);
        Tensor c = Tensor.zeros(DType.F32, GPU, n);
        // each result goes back to the allocator at once, so every iteration reuses one block
        double addMs = DeviceTiming.meanMillis(context, 5, 50, () -> a.add(b).storage().release());
        double copyMs = DeviceTiming.meanMillis(context, 5, 50, () -> c.copyFrom(a));
        double rawMs = DeviceTiming.meanMillis(context, 5, 50, () -> CudaDriver.memcpyDtoDAsync(CudaStorage.of(c).pointer(),
                CudaStorage.of(a).pointer(), 4L * n, context.stream()));
        System.out.println(String.format(Locale.ROOT, "{\"case\":\"tensor_add\",\"n\":%d,\"ms\":%.4f,\"gbps\":%.1f}", n, addMs, 12.0 * n / addMs / 1e6));
        System.out.println(String.format(Locale.ROOT, "{\"case\":\"tensor_copy\",\"n\":%d,\"ms\":%.4f,\"gbps\":%.1f}", n, copyMs, 8.0 * n / copyMs / 1e6));
        System.out.println(String.format(Locale.ROOT, "{\"case\":\"memcpy_dtod\",\"n\":%d,\"ms\":%.4f,\"gbps\":%.1f}", n, rawMs, 8.0 * n / rawMs / 1e6));
        for (Tensor t : new Tensor[] {a, b, c}) t.storage().release();
    }

    private static void matmul(CudaContext context) {
        int n = 4096;
        Tensor a = Tensor.random(RandomKind.NORMAL, 3, 0, 1, DType.F32, GPU, n, n);
        Tensor b = Tensor.random(RandomKind.NORMAL, 4, 0, 1, DType.F32, GPU, n, n);
        context.cublas().setPrecision(dev.jmamba.tensor.MatmulPrecision.FP32);
        double ms = DeviceTiming.meanMillis(context, 3, 20, () -> a.matmul(b).storage().release());
        System.out.println(String.format(Locale.ROOT, "{\"case\":\"tensor_matmul\",\"n\":%d,\"tf32\":false,\"ms\":%.3f,\"tflops\":%.2f}",
                n, ms, 2.0 * n * n * n / ms / 1e9));
        a.storage().release();
        b.storage().release();
    }

    /** Vim-T backward shapes: x (B, L, C) over (B, L) and a batched weight gradient (B, k, n) over B. */
    private static void leadingAxisSums(CudaContext context) {
        int[][] shapes = {{128, 196, 192}, {128, 192, 768}};
        int[][] axes = {{0, 1}, {0}};
        for (int c = 0; c < shapes.length; c++) {
            int[] shape = shapes[c], reduced = axes[c];
            Tensor x = Tensor.random(RandomKind.UNIFORM, 5, -1, 1, DType.F32, GPU, shape);
            int[] last = new int[shape.length];  // the kept axes first, the reduced ones last
            int k = 0;
            for (int d = 0; d < shape.length; d++) if (java.util.Arrays.binarySearch(reduced, d) < 0) last[k++] = d;
            for (int d : reduced) last[k++] = d;
            int[] lastAxes = new int[reduced.length];
            for (int i = 0; i < reduced.length; i++) lastAxes[i] = shape.length - reduced.length + i;
            double columnMs = DeviceTiming.meanMillis(context, 5, 50, () -> x.sum(false, reduced).storage().release());
            double oldMs = DeviceTiming.meanMillis(context, 5, 50, () -> {
                Tensor t = x.permute(last).contiguous();
                t.sum(false, lastAxes).storage().release();
                t.storage().release();
            });
            double max = 0;
            float[] a = x.sum(false, reduced).toFloatArray(), b = x.permute(last).contiguous().sum(false, lastAxes).toFloatArray();
            for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
            System.out.println(String.format(Locale.ROOT,
                    "{\"case\":\"sum_leading_axes\",\"shape\":\"%s\",\"axes\":\"%s\",\"column_ms\":%.4f,\"copy_then_rows_ms\":%.4f,\"gbps\":%.1f,\"max_abs_diff\":%.3g}",
                    java.util.Arrays.toString(shape), java.util.Arrays.toString(reduced), columnMs, oldMs, 4.0 * x.numel() / columnMs / 1e6, max));
            x.storage().release();
        }
    }

    private static void hostOverhead(CudaContext context) {
        Tensor x = Tensor.full(1, DType.F32, GPU, 256), y = Tensor.full(2, DType.F32, GPU, 256);
        int ops = 20_000;
        for (int i = 0; i < 5_000; i++) x.add(y).storage().release();  // warm-up: JIT, kernels, allocator cache
        context.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < ops; i++) x.add(y).storage().release();
        long t1 = System.nanoTime();
        context.synchronize();
        long t2 = System.nanoTime();
        System.out.println(String.format(Locale.ROOT,
                "{\"case\":\"tensor_op_host_overhead\",\"op\":\"add 256 floats\",\"ops\":%d,\"us_per_op_host\":%.3f,\"us_per_op_with_sync\":%.3f}",
                ops, (t1 - t0) / 1e3 / ops, (t2 - t0) / 1e3 / ops));
    }

    private static void graphVersusEager(CudaContext context) {
        int ops = 1000;
        Tensor x = Tensor.full(0, DType.F32, GPU, 1024), y = Tensor.full(1e-3, DType.F32, GPU, 1024);
        Tensor out = Tensor.zeros(DType.F32, GPU, 1024);
        Runnable pass = () -> {
            try (Scope s = Scope.open()) {
                Tensor t = x;
                for (int i = 0; i < ops; i++) t = t.add(y);
                out.copyFrom(t);
            }
        };
        int passes = 20;
        double eagerMs = DeviceTiming.hostMillis(context, passes, pass);
        try (CudaGraph graph = CudaGraph.capture(context, pass)) {
            double graphMs = DeviceTiming.hostMillis(context, passes, graph::launch);
            System.out.println(String.format(Locale.ROOT,
                    "{\"case\":\"tensor_graph_vs_eager\",\"ops\":%d,\"eager_ms\":%.3f,\"graph_ms\":%.3f,\"speedup\":%.2f,\"check\":%.4f}",
                    ops, eagerMs, graphMs, eagerMs / graphMs, out.toFloatArray()[0]));
        }
    }
}
