package dev.jmamba.tensor.cuda;

import java.util.Locale;

/**
 * GPU micro-benchmarks of the runtime layer, one JSON line per case (compare with
 * {@code tensor/bench/torch_reference.py}, which measures the same cases with PyTorch):
 * elementwise add at 2^26 floats next to a device-to-device copy; sgemm 4096³ (fp32, TF32 off);
 * host cost per small launch; a graph of 1000 small kernels against 1000 eager launches.
 * Device times come from CUDA events, host times from System.nanoTime. Run:
 * {@code java --enable-native-access=ALL-UNNAMED -cp ... dev.jmamba.tensor.cuda.CudaBench}.
 */
public final class CudaBench {
    private CudaBench() {}

    /** Runs every case on device 0 and prints the JSON lines. */
    public static void main(String[] args) {
        if (!CudaContext.available()) {
            System.out.println("{\"error\":\"no CUDA device available\"}");
            System.exit(1);
        }
        CudaContext context = CudaContext.get(0);
        CudaKernels kernels = new CudaKernels(context);
        System.out.println(String.format(Locale.ROOT, "{\"case\":\"device\",\"name\":\"%s\",\"arch\":\"%s\",\"sms\":%d}",
                context.name(), context.architecture(), context.multiprocessors()));
        addAndCopy(context, kernels);
        sgemm(context, kernels);
        launchOverhead(context, kernels);
        graphVersusEager(context, kernels);
    }

    private static void addAndCopy(CudaContext context, CudaKernels kernels) {
        long n = 1L << 26;
        CachingAllocator allocator = context.allocator();
        long a = allocator.allocate(4 * n, context.stream());
        long b = allocator.allocate(4 * n, context.stream());
        long c = allocator.allocate(4 * n, context.stream());
        kernels.fill(a, n, 1f);
        kernels.fill(b, n, 2f);
        double addMs = DeviceTiming.meanMillis(context, 5, 50, () -> kernels.binary(CudaKernels.BinaryOp.ADD, a, b, c, n));
        double copyMs = DeviceTiming.meanMillis(context, 5, 50, () -> CudaDriver.memcpyDtoDAsync(c, a, 4 * n, context.stream()));
        // bytes moved: add reads 2 and writes 1 array; a copy reads 1 and writes 1
        System.out.println(String.format(Locale.ROOT, "{\"case\":\"add\",\"n\":%d,\"ms\":%.4f,\"gbps\":%.1f}", n, addMs, 12.0 * n / addMs / 1e6));
        System.out.println(String.format(Locale.ROOT, "{\"case\":\"copy_dtod\",\"bytes\":%d,\"ms\":%.4f,\"gbps\":%.1f}", 4 * n, copyMs, 8.0 * n / copyMs / 1e6));
        allocator.free(a);
        allocator.free(b);
        allocator.free(c);
    }

    private static void sgemm(CudaContext context, CudaKernels kernels) {
        int n = 4096;
        CachingAllocator allocator = context.allocator();
        long bytes = 4L * n * n;
        long a = allocator.allocate(bytes, context.stream());
        long b = allocator.allocate(bytes, context.stream());
        long c = allocator.allocate(bytes, context.stream());
        kernels.fill(a, (long) n * n, 0.5f);
        kernels.fill(b, (long) n * n, 0.25f);
        CuBlas blas = context.cublas();
        blas.setPrecision(dev.jmamba.tensor.MatmulPrecision.FP32);
        double ms = DeviceTiming.meanMillis(context, 3, 20, () -> blas.matmul(false, false, n, n, n, 1f, a, b, 0f, c));
        System.out.println(String.format(Locale.ROOT, "{\"case\":\"sgemm\",\"n\":%d,\"tf32\":false,\"ms\":%.3f,\"tflops\":%.2f}",
                n, ms, 2.0 * n * n * n / ms / 1e9));
        allocator.free(a);
        allocator.free(b);
        allocator.free(c);
    }

    private static void launchOverhead(CudaContext context, CudaKernels kernels) {
        long x = context.allocator().allocate(4, context.stream());
        int launches = 10_000;
        for (int i = 0; i < 2_000; i++) kernels.fill(x, 1, i); // warm-up: JIT and driver queues
        context.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < launches; i++) kernels.fill(x, 1, i);
        context.synchronize();
        double us = (System.nanoTime() - t0) / 1e3 / launches;
        System.out.println(String.format(Locale.ROOT, "{\"case\":\"launch_overhead\",\"launches\":%d,\"us_per_launch\":%.3f}", launches, us));
        context.allocator().free(x);
    }

    private static void graphVersusEager(CudaContext context, CudaKernels kernels) {
        int kernelsPerPass = 1000;
        long n = 1024;
        long x = context.allocator().allocate(4 * n, context.stream());
        long y = context.allocator().allocate(4 * n, context.stream());
        kernels.fill(x, n, 0f);
        kernels.fill(y, n, 1e-3f);
        Runnable pass = () -> {
            for (int i = 0; i < kernelsPerPass; i++) kernels.binary(CudaKernels.BinaryOp.ADD, x, y, x, n);
        };
        int passes = 20;
        double eagerMs = DeviceTiming.hostMillis(context, passes, pass);
        try (CudaGraph graph = CudaGraph.capture(context, pass)) {
            double graphMs = DeviceTiming.hostMillis(context, passes, graph::launch);
            System.out.println(String.format(Locale.ROOT,
                    "{\"case\":\"graph_vs_eager\",\"kernels\":%d,\"eager_ms\":%.3f,\"graph_ms\":%.3f,\"speedup\":%.2f}",
                    kernelsPerPass, eagerMs, graphMs, eagerMs / graphMs));
        }
        context.allocator().free(x);
        context.allocator().free(y);
    }
}
