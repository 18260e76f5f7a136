package dev.jmamba.ssm.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.ssm.cuda.ScanLayout;
import dev.jmamba.ssm.cuda.SelectiveScanCuda;
import dev.jmamba.ssm.kernel.ScanTestData.Options;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaDriver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GPU scan backward (both kernel families) is bit-reproducible: run twice on the same inputs it gives the same
 * bits in every gradient — du, ddelta, dz, dA, dB, dC, dDskip, ddeltaBias — single calls and pairs (Vim's two
 * directions in one launch). Tolerance 0: the kernels add the blocks' partial sums in a fixed order
 * (selective_scan_v6.cu, "Determinism"); with float atomics (the kernels before, or -Djmamba.scan.atomics=true, for
 * which this test is skipped) dA, dDskip, ddeltaBias and dB, dC of groups with several channel tiles change in
 * their last bits from run to run. Before each run the gradient buffers are filled with different garbage (NaN, then 1e30), and
 * the first run is also checked against the float64 reference (SelectiveScanCpuTest's tolerance), so every
 * element is shown to be written, not accumulated into whatever the buffer held.
 *
 * <p>Shapes, v6 (chunk 16, N <= 16): Vim-like (12 tiles per group, 13 one-chunk segments: dA over 8·13 blocks),
 * N = 1 with one tile per group (dB, dC stored directly), 35 channels per group (a full and a 3-channel tile), and a
 * long L with a multi-chunk segment rule. v3 (N > 16, or chunk 32 in the backward): N = 33 (8 state slices per lane),
 * N = 20 with 4-warp blocks and 16 tiles per group, N = 17 with one 2-channel tile per group, and N = 3 at chunk 32
 * with a 12-thread block (a partial warp).
 */
@Tag("gpu")
class SelectiveScanDeterminismGpuTest {
    private static final float[] FILLS = {Float.NaN, 1e30f};
    private static final String[] GRADS = {"du", "ddelta", "dz", "dA", "dB", "dC", "dDskip", "ddeltaBias"};

    @BeforeAll
    static void needsGpu() {
        assumeTrue(CudaContext.available(), "no CUDA device: gpu test skipped");
        assumeFalse(Boolean.getBoolean("jmamba.scan.atomics"), "-Djmamba.scan.atomics=true: the scan adds with atomics, not reproducible");
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of(16, new ScanShape(8, 384, 197, 16, 1), Options.ALL, 0L));
        out.add(Arguments.of(16, new ScanShape(4, 96, 300, 1, 3), Options.NONE, 0L));
        out.add(Arguments.of(16, new ScanShape(2, 70, 150, 5, 2), new Options(true, true, false, true), 0L));
        out.add(Arguments.of(16, new ScanShape(2, 64, 1001, 16, 1), Options.ALL, 3L * 2 * 64));
        out.add(Arguments.of(16, new ScanShape(2, 64, 100, 33, 2), Options.ALL, 0L));
        out.add(Arguments.of(16, new ScanShape(3, 64, 70, 20, 1), new Options(false, true, true, true), 0L));
        out.add(Arguments.of(16, new ScanShape(2, 6, 50, 17, 3), Options.ALL, 0L));
        out.add(Arguments.of(32, new ScanShape(2, 3, 90, 3, 1), Options.ALL, 0L));
        return out.stream();
    }

    /** The v6 cases (pairs run only there). */
    static Stream<Arguments> pairCases() {
        return cases().filter(a -> (int) a.get()[0] <= 16 && ((ScanShape) a.get()[1]).state() <= 16);
    }

    /** One call's device buffers: the inputs, the saved states and the gradients. */
    private record Call(ScanShape s, ScanArgs a, long u, long delta, long A, long Bm, long Cm, long dSkip, long z, long bias,
                        long states, long gout, long[] grads, float[] goutHost) {
        /** {u, delta, A, Bm, Cm, dSkip, z, deltaBias, states, gout, du, ddelta, dA, dB, dC, dDskip, dz, ddeltaBias}. */
        long[] pairPointers() {
            long[] g = grads;
            return new long[] {u, delta, A, Bm, Cm, dSkip, z, bias, states, gout, g[0], g[1], g[3], g[4], g[5], g[6], g[2], g[7]};
        }
    }

    private static int[] gradSizes(ScanShape s) {
        int seq = s.sequenceSize(), grp = s.groupedSize();
        return new int[] {seq, seq, seq, s.channels() * s.state(), grp, grp, s.channels(), s.channels()};
    }

    /** Uploads random inputs and runs the forward (in layout {@code layout}), which saves the chunk states. */
    private static Call prepare(CudaContext ctx, SelectiveScanCuda scan, ScanShape s, Options o, long seed, ScanLayout layout) {
        ScanArgs a = ScanTestData.random(s, o, seed);
        float[] gout = ScanTestData.normal(new SplittableRandom(seed + 1), s.sequenceSize(), 1.0);
        long u = ctx.upload(a.u()), delta = ctx.upload(a.delta()), A = ctx.upload(a.A());
        long Bm = ctx.upload(a.Bm()), Cm = ctx.upload(a.Cm()), g = ctx.upload(gout);
        long D = a.dSkip() == null ? 0 : ctx.upload(a.dSkip()), z = a.z() == null ? 0 : ctx.upload(a.z());
        long bias = a.deltaBias() == null ? 0 : ctx.upload(a.deltaBias());
        long out = ctx.upload(new float[s.sequenceSize()]), states = ctx.upload(new float[(int) scan.stateElements(s)]);
        scan.forward(s, a.deltaSoftplus(), layout, u, delta, A, Bm, Cm, D, z, bias, out, states, 0);
        ctx.allocator().free(out);
        int[] sizes = gradSizes(s);
        long[] grads = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) grads[i] = ctx.upload(new float[sizes[i]]);
        return new Call(s, a, u, delta, A, Bm, Cm, D, z, bias, states, g, grads, gout);
    }

    private static void fill(CudaContext ctx, Call c, float value) {
        int[] sizes = gradSizes(c.s);
        for (int i = 0; i < sizes.length; i++) CudaDriver.memsetD32Async(c.grads[i], Float.floatToRawIntBits(value), sizes[i], ctx.stream());
    }

    /** The gradients the call's inputs have (dz, dDskip, ddeltaBias only with z, D, the delta bias). */
    private static Map<String, float[]> download(CudaContext ctx, Call c) {
        Map<String, float[]> out = new LinkedHashMap<>();
        int[] sizes = gradSizes(c.s);
        for (int i = 0; i < GRADS.length; i++) {
            if ((i == 2 && c.z == 0) || (i == 6 && c.dSkip == 0) || (i == 7 && c.bias == 0)) continue;
            out.put(GRADS[i], ctx.download(c.grads[i], sizes[i]));
        }
        return out;
    }

    private static void backward(SelectiveScanCuda scan, Call c) {
        long[] g = c.grads;
        scan.backward(c.s, c.a.deltaSoftplus(), c.u, c.delta, c.A, c.Bm, c.Cm, c.dSkip, c.z, c.bias, c.states, c.gout,
                g[0], g[1], g[3], g[4], g[5], g[6], g[2], g[7]);
    }

    private static void assertSameBits(Map<String, float[]> first, Map<String, float[]> again, String what) {
        assertEquals(first.keySet(), again.keySet());
        for (String k : first.keySet()) {
            float[] x = first.get(k), y = again.get(k);
            for (int i = 0; i < x.length; i++) {
                if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                    fail(what + ": " + k + "[" + i + "] is " + x[i] + " in the first run and " + y[i] + " in the second ("
                            + Math.abs(x[i] - y[i]) + " apart): the backward is not bit-reproducible");
                }
            }
        }
    }

    /** The first run's gradients against the float64 reference (SelectiveScanCpuTest's error model). */
    private static void assertMatchesReference(Call c, Map<String, float[]> got, boolean reverse) {
        ScanShape s = c.s;
        ScanArgs a = reverse ? flipped(c.a, s) : c.a;
        float[] gout = reverse ? flip(c.goutHost, s.batch() * s.channels(), s.length()) : c.goutHost;
        ScanGradsF64 r = SelectiveScanReference.backward(a.toF64(), ScanArgs.widen(gout));
        int m = s.batch() * s.length() * Math.max(s.state(), s.channelsPerGroup());
        int bd = s.batch() * s.channels(), rows = s.batch() * s.groups() * s.state();
        Map<String, double[]> ref = new LinkedHashMap<>();
        ref.put("du", r.du());
        ref.put("ddelta", r.ddelta());
        ref.put("dz", r.dz());
        ref.put("dA", r.dA());
        ref.put("dB", r.dB());
        ref.put("dC", r.dC());
        ref.put("dDskip", r.dDskip());
        ref.put("ddeltaBias", r.ddeltaBias());
        for (var e : got.entrySet()) {
            float[] v = e.getValue();
            if (reverse && List.of("du", "ddelta", "dz").contains(e.getKey())) v = flip(v, bd, s.length());
            if (reverse && List.of("dB", "dC").contains(e.getKey())) v = flip(v, rows, s.length());
            SelectiveScanCpuTest.assertClose(e.getKey() + (reverse ? " (reverse)" : ""), ref.get(e.getKey()), v, m);
        }
    }

    /** The call's arguments with every (B, D, L) and (B, G, N, L) row reversed along L (what a reverse scan sees). */
    private static ScanArgs flipped(ScanArgs a, ScanShape s) {
        int bd = s.batch() * s.channels(), rows = s.batch() * s.groups() * s.state(), l = s.length();
        return new ScanArgs(s, flip(a.u(), bd, l), flip(a.delta(), bd, l), a.A(), flip(a.Bm(), rows, l), flip(a.Cm(), rows, l),
                a.dSkip(), a.z() == null ? null : flip(a.z(), bd, l), a.deltaBias(), a.deltaSoftplus());
    }

    private static float[] flip(float[] x, int rows, int l) {
        float[] out = new float[x.length];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < l; i++) out[r * l + i] = x[r * l + l - 1 - i];
        return out;
    }

    private static void free(CudaContext ctx, Call c) {
        for (long p : new long[] {c.u, c.delta, c.A, c.Bm, c.Cm, c.dSkip, c.z, c.bias, c.states, c.gout}) if (p != 0) ctx.allocator().free(p);
        for (long p : c.grads) ctx.allocator().free(p);
    }

    @ParameterizedTest(name = "K={0} {1} {2} threads={3}")
    @MethodSource("cases")
    void twoBackwardRunsGiveTheSameBits(int chunk, ScanShape s, Options o, long segmentThreads) {
        CudaContext ctx = CudaContext.get(0);
        SelectiveScanCuda scan = new SelectiveScanCuda(ctx, chunk, segmentThreads);
        boolean v6 = s.state() <= 16 && chunk <= 16 && !"false".equals(System.getProperty("jmamba.scan.v6"));
        assertEquals(v6 ? "v6" : "v3", scan.version(s, true), "backward kernel family");
        Call c = prepare(ctx, scan, s, o, s.hashCode() * 31L, ScanLayout.contiguous(s, false));
        List<Map<String, float[]>> runs = new ArrayList<>();
        for (float garbage : FILLS) {
            fill(ctx, c, garbage);
            backward(scan, c);
            runs.add(download(ctx, c));
        }
        assertMatchesReference(c, runs.get(0), false);
        assertSameBits(runs.get(0), runs.get(1), s + " single call");
        free(ctx, c);
    }

    @ParameterizedTest(name = "K={0} {1} {2} threads={3}")
    @MethodSource("pairCases")
    void twoPairRunsGiveTheSameBits(int chunk, ScanShape s, Options o, long segmentThreads) {
        CudaContext ctx = CudaContext.get(0);
        SelectiveScanCuda scan = new SelectiveScanCuda(ctx, chunk, segmentThreads);
        assumeTrue(scan.supportsPairs(s), "no pair launch for " + s);
        ScanLayout forward = ScanLayout.contiguous(s, false), reverse = ScanLayout.contiguous(s, true);
        Call a = prepare(ctx, scan, s, o, s.hashCode() * 37L, forward), b = prepare(ctx, scan, s, o, s.hashCode() * 41L, reverse);
        List<Map<String, float[]>> runsA = new ArrayList<>(), runsB = new ArrayList<>();
        for (float garbage : FILLS) {
            fill(ctx, a, garbage);
            fill(ctx, b, garbage);
            scan.backwardPair(s, a.a.deltaSoftplus(), forward, a.pairPointers(), reverse, b.pairPointers());
            runsA.add(download(ctx, a));
            runsB.add(download(ctx, b));
        }
        assertMatchesReference(a, runsA.get(0), false);
        assertMatchesReference(b, runsB.get(0), true);
        assertSameBits(runsA.get(0), runsA.get(1), s + " pair, first call");
        assertSameBits(runsB.get(0), runsB.get(1), s + " pair, second call (reverse)");
        free(ctx, a);
        free(ctx, b);
    }
}
