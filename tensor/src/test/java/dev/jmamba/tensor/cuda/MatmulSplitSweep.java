package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.MatmulPrecision;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Device time of float32 products split over k into 1, 2, 4, … chunks ({@link MatmulKernels#matmul(Tensor, Tensor,
 * boolean, int)}), one JSON line per product: the milliseconds of each chunk count, the count the split-K rule
 * ({@link MatmulKernels#splitChunks}) would take, and the fastest. For choosing that rule from measurements (issue 14:
 * the weight gradients over all tokens, e.g. FractalMamba-T's (1280, 25088) @ (25088, 320), run at 14-30 TF/s unsplit).
 * A lab, not a test: it lives in the test sources. Run (packed runtime):
 * {@code .device/run -cp '.device/lib/*' dev.jmamba.tensor.cuda.MatmulSplitSweep [B,M,K,N,TA,TB ...]}; with no
 * arguments the b128 training products of FractalMamba-T and VMamba-T that the rule would split (TA/TB 1: that
 * operand is stored transposed, as the weight gradients' (k, m) activations are).
 */
public final class MatmulSplitSweep {
    private static final Device GPU = GpuLab.GPU;
    /** B,M,K,N,TA,TB: FractalMamba-T's then VMamba-T's products with k ≥ 1024 and fewer 128² tiles than SMs, b128. */
    private static final String[] DEFAULT_SHAPES = {
        "1,1280,25088,320,1,0", "1,320,25088,1280,1,0", "1,320,25088,640,1,0", "1,640,25088,320,1,0",
        "1,2560,6272,640,1,0", "1,640,6272,2560,1,0", "1,1280,6272,640,1,0", "1,640,6272,1280,1,0",
        "1,160,100352,640,1,0", "1,640,100352,160,1,0", "1,160,100352,320,1,0", "1,320,100352,160,1,0",
        "1,80,401408,320,1,0", "1,320,401408,80,1,0", "1,80,401408,160,1,0", "1,160,401408,80,1,0",
        "1,1536,25088,384,1,0", "1,384,25088,1536,1,0", "1,384,25088,384,1,0", "1,768,6272,768,1,0",
        "1,192,100352,768,1,0", "1,768,100352,192,1,0", "1,192,100352,192,1,0",
        "1,96,401408,384,1,0", "1,384,401408,96,1,0", "1,96,401408,96,1,0", "128,96,3136,96,0,0",
    };

    private MatmulSplitSweep() {}

    public static void main(String[] args) {
        CudaBackend backend = GpuLab.backendOrExit();
        CudaContext context = backend.context();
        context.cublas().setPrecision(MatmulPrecision.FP32);
        MatmulKernels kernels = backend.matmulKernels();
        int sms = context.multiprocessors();
        long seed = 1;
        for (String spec : args.length > 0 ? args : DEFAULT_SHAPES) {
            String[] f = spec.split(",");
            int b = Integer.parseInt(f[0]), m = Integer.parseInt(f[1]), k = Integer.parseInt(f[2]), n = Integer.parseInt(f[3]);
            boolean ta = f[4].equals("1"), tb = f[5].equals("1");
            Tensor a = operand(seed++, b, m, k, ta), bb = operand(seed++, b, k, n, tb);
            int rule = MatmulKernels.splitChunks(b, m, n, k, sms);
            List<String> times = new ArrayList<>();
            double best = Double.MAX_VALUE;
            int bestChunks = 1;
            for (int c = 1; c <= 512; c *= 2) {
                if (k % c != 0 || (c > 1 && k / c < 256)) continue;
                int chunks = c;
                double ms = DeviceTiming.meanMillis(context, 3, 10, () -> kernels.matmul(a, bb, false, chunks).storage().release());
                times.add(String.format(Locale.ROOT, "\"%d\":%.4f", c, ms));
                if (ms < best) { best = ms; bestChunks = c; }
            }
            if (rule > 1 && (rule & (rule - 1)) != 0) {   // the rule's own count when it is not a power of two
                double ms = DeviceTiming.meanMillis(context, 3, 10, () -> kernels.matmul(a, bb, false, rule).storage().release());
                times.add(String.format(Locale.ROOT, "\"%d\":%.4f", rule, ms));
                if (ms < best) { best = ms; bestChunks = rule; }
            }
            double flops = 2.0 * b * m * k * n;
            System.out.println(String.format(Locale.ROOT,
                    "{\"case\":\"split\",\"shape\":\"%s\",\"tiles\":%d,\"rule\":%d,\"ms\":{%s},\"best\":%d,\"best_tflops\":%.1f}",
                    spec, (long) b * Math.ceilDiv(m, 128) * Math.ceilDiv(n, 128), rule, String.join(",", times), bestChunks,
                    flops / best / 1e9));
            a.storage().release();
            bb.storage().release();
        }
    }

    /** (b, r, c) (or (r, c) when b is 1), stored transposed when {@code transposed}: a view of a dense (b, c, r). */
    private static Tensor operand(long seed, int b, int r, int c, boolean transposed) {
        if (b == 1) {
            return transposed ? Tensor.random(RandomKind.UNIFORM, seed, -1, 1, DType.F32, GPU, c, r).transpose(0, 1)
                              : Tensor.random(RandomKind.UNIFORM, seed, -1, 1, DType.F32, GPU, r, c);
        }
        return transposed ? Tensor.random(RandomKind.UNIFORM, seed, -1, 1, DType.F32, GPU, b, c, r).transpose(1, 2)
                          : Tensor.random(RandomKind.UNIFORM, seed, -1, 1, DType.F32, GPU, b, r, c);
    }
}
