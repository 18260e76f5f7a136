package dev.jmamba.ssm.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.ssm.cuda.SelectiveScanCuda;
import dev.jmamba.ssm.kernel.ScanTestData.Options;
import dev.jmamba.tensor.cuda.CudaContext;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GPU selective scan against the float64 reference: outputs, the saved chunk states, the last
 * state and every gradient, with the same tolerance as {@link SelectiveScanCpuTest} (the GPU sums
 * in a different order but with the same fp32 error model: each result accumulates at most m terms).
 * Covers both kernel families: v3 (N > 16, and the backward at K = 32) and v6 (N <= 16) with one-chunk
 * and multi-chunk segments.
 */
@Tag("gpu")
class SelectiveScanCudaGpuTest {

    @BeforeAll
    static void needsGpu() {
        assumeTrue(CudaContext.available(), "no CUDA device: gpu test skipped");
    }

    static Stream<Arguments> cases() {
        int[][] shapes = {   // (B, D, L, N, G): L = 1, around chunk multiples, N = 1..17, 33, 64, G > 1, D not a warp multiple
                {2, 4, 1, 16, 1}, {2, 4, 7, 3, 2}, {2, 4, 15, 16, 1}, {1, 3, 17, 17, 1}, {2, 64, 64, 16, 4},
                {1, 2, 128, 16, 1}, {2, 4, 129, 2, 2}, {2, 96, 200, 1, 3}, {2, 64, 200, 16, 2}, {1, 4, 200, 17, 2},
                {1, 5, 33, 33, 1}, {1, 64, 50, 64, 2}, {1, 2, 2049, 16, 1}, {1, 128, 300, 1, 4},
                // v6 (N <= 16): B·D small and L long, channel tiles cut by D / G (40, 35, 2 channels per group)
                {1, 3, 1000, 16, 1}, {3, 40, 300, 1, 1}, {2, 70, 150, 5, 2}, {1, 64, 1001, 16, 2}, {2, 8, 513, 2, 4},
        };
        Options[] options = {Options.ALL, Options.NONE, new Options(true, false, false, true), new Options(false, true, true, false)};
        List<Arguments> out = new ArrayList<>();
        for (int chunk : new int[] {16, 32, 8})
            for (int i = 0; i < shapes.length; i++) {
                int[] s = shapes[i];
                ScanShape shape = new ScanShape(s[0], s[1], s[2], s[3], s[4]);
                // v6 segments: alternately the default target (here one chunk per segment: B·D is small) and
                // about 3 segments of several chunks each (the last one shorter)
                long threads = (i + chunk) % 2 == 0 ? 1L << 18 : 3L * s[0] * s[1];
                out.add(Arguments.of(chunk, shape, options[i % options.length], threads));
            }
        return out.stream();
    }

    @ParameterizedTest(name = "K={0} {1} {2} threads={3}")
    @MethodSource("cases")
    void matchesReference(int chunk, ScanShape s, Options o, long segmentThreads) {
        CudaContext ctx = CudaContext.get(0);
        SelectiveScanCuda scan = new SelectiveScanCuda(ctx, chunk, segmentThreads);
        boolean v6 = s.state() <= 16 && !"false".equals(System.getProperty("jmamba.scan.v6"));   // -D...=false: v3 only
        assertEquals(v6 ? "v6" : "v3", scan.version(s, false), "forward kernel family");
        assertEquals(v6 && chunk <= 16 ? "v6" : "v3", scan.version(s, true), "backward kernel family");
        ScanArgs a = ScanTestData.random(s, o, s.hashCode() * 17L + o.hashCode());
        float[] gout = ScanTestData.normal(new SplittableRandom(5), s.sequenceSize(), 1.0);
        long u = ctx.upload(a.u()), delta = ctx.upload(a.delta()), A = ctx.upload(a.A());
        long Bm = ctx.upload(a.Bm()), Cm = ctx.upload(a.Cm()), g = ctx.upload(gout);
        long D = a.dSkip() == null ? 0 : ctx.upload(a.dSkip()), z = a.z() == null ? 0 : ctx.upload(a.z());
        long bias = a.deltaBias() == null ? 0 : ctx.upload(a.deltaBias());
        int seq = s.sequenceSize(), grp = s.groupedSize(), dn = s.channels() * s.state();
        long out = ctx.upload(new float[seq]), states = ctx.upload(new float[(int) scan.stateElements(s)]);
        long last = ctx.upload(new float[s.batch() * s.channels() * s.state()]);
        scan.forward(s, a.deltaSoftplus(), u, delta, A, Bm, Cm, D, z, bias, out, states, last);
        long du = ctx.upload(new float[seq]), dd = ctx.upload(new float[seq]), dz = ctx.upload(new float[seq]);
        long dA = ctx.upload(new float[dn]), dB = ctx.upload(new float[grp]), dC = ctx.upload(new float[grp]);
        long dD = ctx.upload(new float[s.channels()]), db = ctx.upload(new float[s.channels()]);
        scan.backward(s, a.deltaSoftplus(), u, delta, A, Bm, Cm, D, z, bias, states, g, du, dd, dA, dB, dC, dD, dz, db);

        ScanArgsF64 ref = a.toF64();
        SelectiveScanReference.Forward f = SelectiveScanReference.forward(ref);
        ScanGradsF64 r = SelectiveScanReference.backward(ref, ScanArgs.widen(gout));
        int m = s.batch() * s.length() * Math.max(s.state(), s.channelsPerGroup());
        SelectiveScanCpuTest.assertClose("out", f.out(), ctx.download(out, seq), m);
        SelectiveScanCpuTest.assertClose("lastState", f.lastState(), ctx.download(last, s.batch() * s.channels() * s.state()), m);
        SelectiveScanCpuTest.assertClose("chunkStates", chunkEnds(f.states(), s, chunk), ctx.download(states, (int) scan.stateElements(s)), m);
        SelectiveScanCpuTest.assertClose("du", r.du(), ctx.download(du, seq), m);
        SelectiveScanCpuTest.assertClose("ddelta", r.ddelta(), ctx.download(dd, seq), m);
        SelectiveScanCpuTest.assertClose("dA", r.dA(), ctx.download(dA, dn), m);
        SelectiveScanCpuTest.assertClose("dB", r.dB(), ctx.download(dB, grp), m);
        SelectiveScanCpuTest.assertClose("dC", r.dC(), ctx.download(dC, grp), m);
        if (r.dDskip() != null) SelectiveScanCpuTest.assertClose("dDskip", r.dDskip(), ctx.download(dD, s.channels()), m);
        if (r.dz() != null) SelectiveScanCpuTest.assertClose("dz", r.dz(), ctx.download(dz, seq), m);
        if (r.ddeltaBias() != null) SelectiveScanCpuTest.assertClose("ddeltaBias", r.ddeltaBias(), ctx.download(db, s.channels()), m);
        for (long p : new long[] {u, delta, A, Bm, Cm, g, D, z, bias, out, states, last, du, dd, dz, dA, dB, dC, dD, db}) {
            if (p != 0) ctx.allocator().free(p);
        }
    }

    private static double[] chunkEnds(double[] states, ScanShape s, int chunk) {
        int B = s.batch(), D = s.channels(), L = s.length(), N = s.state(), chunks = s.chunks(chunk);
        double[] ends = new double[B * D * chunks * N];
        for (int bd = 0; bd < B * D; bd++)
            for (int c = 0; c < chunks; c++) {
                int lastPos = Math.min(L, (c + 1) * chunk) - 1;
                System.arraycopy(states, (bd * L + lastPos) * N, ends, (bd * chunks + c) * N, N);
            }
        return ends;
    }
}
