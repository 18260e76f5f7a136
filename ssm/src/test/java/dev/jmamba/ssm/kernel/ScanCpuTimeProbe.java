package dev.jmamba.ssm.kernel;

import dev.jmamba.tensor.cpu.Parallel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Low-noise complement to {@link ScanBench} on a shared machine: runs everything on ONE thread and
 * reports the medians of thread CPU time (ThreadMXBean), which other processes on the machine
 * barely disturb. Usage (after {@code mvn -pl ssm -am test-compile}):
 * {@code java --add-modules jdk.incubator.vector -cp ssm/target/classes:ssm/target/test-classes:tensor/target/classes
 * dev.jmamba.ssm.kernel.ScanCpuTimeProbe 8,384,197,16,1 [--no-z] [--repeats R] [--ref-repeats R] [--kernel default|scalar|positions|channels]}.
 */
final class ScanCpuTimeProbe {

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        ScanShape shape = ScanBench.parseShape(args[0]);
        boolean z = true;
        String kernel = "default";
        int repeats = 11, refRepeats = 3;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--no-z" -> z = false;
                case "--kernel" -> kernel = args[++i];
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--ref-repeats" -> refRepeats = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Parallel.setThreads(1);
        ScanArgs a = ScanBench.randomArgs(shape, new ScanBench.Inputs(z, true, true, true), 42);
        float[] gout = new float[shape.sequenceSize()];                       // (B, D, L)
        SplittableRandom r = new SplittableRandom(43);
        for (int i = 0; i < gout.length; i++) gout[i] = (float) r.nextGaussian();
        SelectiveScanCpu fast = switch (kernel) {
            case "scalar" -> SelectiveScanCpu.scalar();
            case "positions" -> SelectiveScanCpu.simdAcrossPositions();
            case "channels" -> SelectiveScanCpu.simdAcrossChannels();
            default -> SelectiveScanCpu.create();
        };
        float[] states = fast.forward(a, true).chunkStates();
        for (int i = 0; i < Math.max(5, repeats); i++) fast.backward(a, fast.forward(a, true).chunkStates(), gout);
        double fwd = cpuMedian(repeats, () -> fast.forward(a, true));
        double bwd = cpuMedian(repeats, () -> fast.backward(a, states, gout));
        double refFwd = Double.NaN, refBwd = Double.NaN;
        if (refRepeats > 0) {
            ScanArgsF64 ref = a.toF64();
            double[] g64 = ScanArgs.widen(gout);
            SelectiveScanReference.backward(ref, g64);
            refFwd = cpuMedian(refRepeats, () -> SelectiveScanReference.forward(ref));
            refBwd = cpuMedian(refRepeats, () -> SelectiveScanReference.backward(ref, g64));
        }
        System.out.printf(Locale.ROOT, "%s z=%b %s 1 thread CPU ms: fast fwd %.2f bwd %.2f | ref fwd %.1f bwd %.1f"
                        + " | speed-up fwd %.1fx bwd %.1fx%n", args[0], z, kernel,
                fwd, bwd, refFwd, refBwd, refFwd / fwd, refBwd / bwd);
    }

    private static double cpuMedian(int repeats, Runnable body) {
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = MX.getCurrentThreadCpuTime();
            body.run();
            ms[i] = (MX.getCurrentThreadCpuTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[repeats / 2];
    }
}
