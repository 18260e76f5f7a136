package dev.jmamba.ssm.kernel;

import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.cpu.Parallel;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times the fused CPU scan ({@link SelectiveScanCpu#create()}) against the float64 reference for
 * one shape: warm-up, then the median of repeats. Call {@link #run}; {@link #main} is a thin CLI:
 * {@code ScanBench B,D,L,N[,G] [--no-z] [--no-dskip] [--no-bias] [--no-softplus] [--repeats R]
 * [--ref-repeats R] [--json]}.
 */
public final class ScanBench {

    private ScanBench() {}

    /** Which optional inputs the benchmarked scan uses (Mamba: all true). */
    public record Inputs(boolean z, boolean dSkip, boolean deltaBias, boolean softplus) {
        /** z, Dskip, delta_bias and softplus, as a Mamba block calls the scan. */
        public static final Inputs MAMBA = new Inputs(true, true, true, true);
    }

    /**
     * One measurement. Times in milliseconds (medians); bytes as the byte floor of
     * PERFORMANCE.md §2 (forward: u, delta, z in, out out, B, C in; backward: u, delta, z, gout in,
     * du, ddelta, dz out, B, C in, dB, dC out; 4 bytes each); GB/s of the fast kernel; speed-ups =
     * reference time / fast time.
     */
    public record Result(ScanShape shape, Inputs inputs, int threads, boolean simd,
                         double fwdMs, double bwdMs, double refFwdMs, double refBwdMs,
                         long fwdBytes, long bwdBytes, double fwdGBs, double bwdGBs,
                         double fwdSpeedup, double bwdSpeedup) {

        /** One-line JSON object (no library needed). */
        public String toJson() {
            return String.format(Locale.ROOT, "{\"B\":%d,\"D\":%d,\"L\":%d,\"N\":%d,\"G\":%d,\"z\":%b,\"dSkip\":%b,"
                    + "\"deltaBias\":%b,\"softplus\":%b,\"threads\":%d,\"simd\":%b,\"fwdMs\":%.4f,\"bwdMs\":%.4f,"
                    + "\"refFwdMs\":%.4f,\"refBwdMs\":%.4f,\"fwdBytes\":%d,\"bwdBytes\":%d,\"fwdGBs\":%.3f,"
                    + "\"bwdGBs\":%.3f,\"fwdSpeedup\":%.2f,\"bwdSpeedup\":%.2f}",
                    shape.batch(), shape.channels(), shape.length(), shape.state(), shape.groups(), inputs.z(),
                    inputs.dSkip(), inputs.deltaBias(), inputs.softplus(), threads, simd, fwdMs, bwdMs,
                    refFwdMs, refBwdMs, fwdBytes, bwdBytes, fwdGBs, bwdGBs, fwdSpeedup, bwdSpeedup);
        }

        /** Human-readable summary. */
        @Override public String toString() {
            return String.format(Locale.ROOT, "scan B=%d D=%d L=%d N=%d G=%d %s threads=%d simd=%b%n"
                    + "  forward : fast %.3f ms (%.2f GB/s)  reference %.1f ms  speed-up %.1fx%n"
                    + "  backward: fast %.3f ms (%.2f GB/s)  reference %.1f ms  speed-up %.1fx",
                    shape.batch(), shape.channels(), shape.length(), shape.state(), shape.groups(), inputs,
                    threads, simd, fwdMs, fwdGBs, refFwdMs, fwdSpeedup, bwdMs, bwdGBs, refBwdMs, bwdSpeedup);
        }
    }

    /**
     * Measures one shape on seeded random inputs.
     *
     * @param repeats    timed runs of the fast kernel (after as many warm-up runs, at least 3)
     * @param refRepeats timed runs of the reference (after one warm-up run)
     */
    public static Result run(ScanShape shape, Inputs inputs, int repeats, int refRepeats) {
        if (repeats < 1 || refRepeats < 1) {
            throw new JmambaException("repeats and refRepeats must be >= 1, got " + repeats + ", " + refRepeats);
        }
        ScanArgs args = randomArgs(shape, inputs, 42);
        float[] gout = new float[shape.sequenceSize()];                       // (B, D, L)
        SplittableRandom r = new SplittableRandom(43);
        for (int i = 0; i < gout.length; i++) gout[i] = (float) r.nextGaussian();
        SelectiveScanCpu fast = SelectiveScanCpu.create();
        ScanForward saved = fast.forward(args, true);
        for (int i = 0; i < Math.max(3, repeats); i++) fast.backward(args, fast.forward(args, true).chunkStates(), gout);
        double fwdMs = median(repeats, () -> fast.forward(args, true));
        double bwdMs = median(repeats, () -> fast.backward(args, saved.chunkStates(), gout));

        ScanArgsF64 ref = args.toF64();
        double[] goutF64 = ScanArgs.widen(gout);
        SelectiveScanReference.backward(ref, goutF64);                        // warm-up (forward runs inside)
        double refFwdMs = median(refRepeats, () -> SelectiveScanReference.forward(ref));
        double refBwdMs = median(refRepeats, () -> SelectiveScanReference.backward(ref, goutF64));

        long seq = shape.sequenceSize(), grouped = shape.groupedSize(), gate = inputs.z() ? 1 : 0;
        long fwdBytes = 4 * (seq * (3 + gate) + 2 * grouped);
        long bwdBytes = 4 * (seq * (5 + 2 * gate) + 4 * grouped);
        return new Result(shape, inputs, Parallel.threads(), fast.usesSimd(), fwdMs, bwdMs, refFwdMs, refBwdMs,
                fwdBytes, bwdBytes, fwdBytes / (fwdMs * 1e6), bwdBytes / (bwdMs * 1e6),
                refFwdMs / fwdMs, refBwdMs / bwdMs);
    }

    private static double median(int repeats, Runnable body) {
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            body.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return repeats % 2 == 1 ? ms[repeats / 2] : (ms[repeats / 2 - 1] + ms[repeats / 2]) / 2;
    }

    /** Seeded inputs in the ranges a Mamba block produces at initialisation. */
    static ScanArgs randomArgs(ScanShape s, Inputs in, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int seq = s.sequenceSize(), grouped = s.groupedSize(), D = s.channels(), N = s.state();
        float[] u = gaussian(r, seq), Bm = gaussian(r, grouped), Cm = gaussian(r, grouped);
        float[] delta = new float[seq];
        for (int i = 0; i < seq; i++) delta[i] = (float) (in.softplus() ? 0.5 * r.nextGaussian() : r.nextDouble(0.001, 0.1));
        float[] A = new float[D * N];                                         // (D, N) = -[1, 2, .., N] per row
        for (int d = 0; d < D; d++) for (int n = 0; n < N; n++) A[d * N + n] = -(n + 1);
        float[] dSkip = in.dSkip() ? filled(D, 1f) : null;
        float[] z = in.z() ? gaussian(r, seq) : null;
        float[] bias = null;
        if (in.deltaBias()) {
            bias = new float[D];
            for (int d = 0; d < D; d++) {                                     // inverse softplus of dt in [1e-3, 0.1]
                double dt = Math.exp(r.nextDouble(Math.log(1e-3), Math.log(0.1)));
                bias[d] = (float) (dt + Math.log(-Math.expm1(-dt)));
            }
        }
        return new ScanArgs(s, u, delta, A, Bm, Cm, dSkip, z, bias, in.softplus());
    }

    private static float[] gaussian(SplittableRandom r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    private static float[] filled(int size, float value) {
        float[] x = new float[size];
        Arrays.fill(x, value);
        return x;
    }

    /** Parses "B,D,L,N" or "B,D,L,N,G". */
    public static ScanShape parseShape(String text) {
        String[] parts = text.split(",");
        if (parts.length != 4 && parts.length != 5) {
            throw new JmambaException("shape must be B,D,L,N or B,D,L,N,G, got '" + text + "'");
        }
        int[] v = new int[5];
        v[4] = 1;
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new JmambaException("shape must be B,D,L,N[,G] integers, got '" + text + "'");
            }
        }
        return new ScanShape(v[0], v[1], v[2], v[3], v[4]);
    }

    /** CLI: {@code ScanBench B,D,L,N[,G] [--no-z] [--no-dskip] [--no-bias] [--no-softplus] [--repeats R] [--ref-repeats R] [--json]}. */
    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: ScanBench B,D,L,N[,G] [--no-z] [--no-dskip] [--no-bias] [--no-softplus] "
                    + "[--repeats R] [--ref-repeats R] [--json]");
            System.exit(2);
        }
        ScanShape shape = parseShape(args[0]);
        boolean z = true, dSkip = true, bias = true, softplus = true, json = false;
        int repeats = 21, refRepeats = 3;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--no-z" -> z = false;
                case "--no-dskip" -> dSkip = false;
                case "--no-bias" -> bias = false;
                case "--no-softplus" -> softplus = false;
                case "--json" -> json = true;
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--ref-repeats" -> refRepeats = Integer.parseInt(args[++i]);
                default -> throw new JmambaException("unknown option " + args[i]);
            }
        }
        Result result = run(shape, new Inputs(z, dSkip, bias, softplus), repeats, refRepeats);
        System.out.println(json ? result.toJson() : result);
    }
}
