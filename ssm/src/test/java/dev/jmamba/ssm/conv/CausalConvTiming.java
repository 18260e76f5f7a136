package dev.jmamba.ssm.conv;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Conv1d;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.Parallel;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times forward + backward of Mamba's short convolution on the CPU, the composed path
 * ({@code Conv1d.causalDepthwise} then {@code silu}) against the fused {@link CausalConv1d}, alternating
 * the two in every repeat so machine load hits both alike; prints medians and minima. Not a test:
 * {@code java -cp <test classpath> dev.jmamba.ssm.conv.CausalConvTiming [B D L K repeats]}.
 */
public final class CausalConvTiming {
    private CausalConvTiming() {}

    public static void main(String[] args) {
        int b = arg(args, 0, 2), d = arg(args, 1, 384), l = arg(args, 2, 197), k = arg(args, 3, 4), repeats = arg(args, 4, 31);
        Conv1d conv = Conv1d.causalDepthwise(d, k, true, 1);
        Tensor x = Tensor.randn(2, b, d, l), gy = Tensor.randn(3, b, d, l);              // (B, D, L)
        double[] composed = new double[repeats], fused = new double[repeats];
        for (int i = -5; i < repeats; i++) {
            long t0 = System.nanoTime();
            conv.forward(Var.param(x)).silu().backward(gy);
            conv.zeroGrad();
            long t1 = System.nanoTime();
            CausalConv1d.apply(Var.param(x), conv.weight().var(), conv.bias().var(), true).backward(gy);
            conv.zeroGrad();
            long t2 = System.nanoTime();
            if (i >= 0) {
                composed[i] = (t1 - t0) / 1e6;
                fused[i] = (t2 - t1) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "causal conv1d + silu, forward+backward, B=%d D=%d L=%d K=%d threads=%d: composed %.3f ms "
                + "(min %.3f), fused %.3f ms (min %.3f); medians of %d%n", b, d, l, k, Parallel.threads(),
                median(composed), min(composed), median(fused), min(fused), repeats);
    }

    private static int arg(String[] args, int i, int fallback) { return args.length > i ? Integer.parseInt(args[i]) : fallback; }

    private static double min(double[] v) { return Arrays.stream(v).min().orElse(Double.NaN); }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
