package dev.jmamba.ssm.block;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.Parallel;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times VimMixer forward + backward on the CPU (Vim-T width: B = 2, L = 197, d_model = 192 by default):
 * warm-up, then the median and minimum of repeats (the minimum is the steadier number on a shared machine). Not a test (no assertions); a main for before/after numbers:
 * {@code java -cp <test classpath> dev.jmamba.ssm.block.VimMixerTiming [B L dModel repeats]}.
 */
public final class VimMixerTiming {
    private VimMixerTiming() {}

    public static void main(String[] args) {
        int b = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int l = args.length > 1 ? Integer.parseInt(args[1]) : 197;
        int dModel = args.length > 2 ? Integer.parseInt(args[2]) : 192;
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        VimMixer mixer = new VimMixer(MambaConfig.of(dModel, 1));
        Tensor h = Tensor.randn(1, b, l, dModel);                                        // (B, L, d_model)
        Tensor gy = Tensor.randn(2, b, l, dModel);                                       // (B, L, d_model)
        for (int i = 0; i < 5; i++) step(mixer, h, gy);
        double[] fwd = new double[repeats], total = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            Var y = mixer.forward(Var.of(h));
            long t1 = System.nanoTime();
            y.backward(gy);
            long t2 = System.nanoTime();
            fwd[i] = (t1 - t0) / 1e6;
            total[i] = (t2 - t0) / 1e6;
            mixer.zeroGrad();
        }
        System.out.printf(Locale.ROOT, "VimMixer B=%d L=%d d_model=%d threads=%d: forward %.2f ms, forward+backward %.2f ms (medians of %d; minima %.2f, %.2f)%n",
                b, l, dModel, Parallel.threads(), median(fwd), median(total), repeats, min(fwd), min(total));
    }

    private static void step(VimMixer mixer, Tensor h, Tensor gy) {
        mixer.forward(Var.of(h)).backward(gy);
        mixer.zeroGrad();
    }

    private static double min(double[] v) { return Arrays.stream(v).min().orElse(Double.NaN); }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
