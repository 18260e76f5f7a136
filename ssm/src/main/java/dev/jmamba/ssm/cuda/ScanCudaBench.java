package dev.jmamba.ssm.cuda;

import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.DeviceTiming;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times the GPU selective scan on the shapes of the GPU issue and prints one JSON line per case:
 * forward/backward ms (CUDA events, median of repeats), bytes moved, GB/s, the byte floor at
 * 2.93 TB/s (the device-to-device copy bandwidth measured on the H100) and the reference kernel's
 * time from the table (state-spaces/mamba's CUDA kernel next to PyTorch 2.11 on an H100).
 * Usage: {@code ScanCudaBench [chunk] [repeats] [case-name]}; {@code -Djmamba.scan.v6=false} times the v3
 * kernels, {@code -Djmamba.scan.threads=T} moves the v6 segment count (S ≈ T / (B·D)).
 */
public final class ScanCudaBench {
    private static final double FLOOR_BYTES_PER_MS = 2.93e9;

    private ScanCudaBench() {}

    /** (B, D, L, N, G, z?, reference fwd ms, reference bwd ms). */
    private record Case(String name, ScanShape shape, boolean z, double refFwd, double refBwd) {}

    public static void main(String[] args) {
        int chunk = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        CudaContext ctx = CudaContext.get(0);
        SelectiveScanCuda scan = new SelectiveScanCuda(ctx, chunk);
        Case[] cases = {
            new Case("vim-t", new ScanShape(128, 384, 197, 16, 1), true, 0.452, 1.524),
            new Case("vmamba-t-stage1", new ScanShape(128, 384, 3136, 1, 4), false, 1.677, 4.883),
            new Case("long", new ScanShape(8, 1536, 16384, 16, 1), true, 7.750, 16.995),
        };
        for (Case c : cases) if (args.length < 3 || c.name.equals(args[2])) run(ctx, scan, c, repeats);
    }

    private static long random(CudaContext ctx, long n, SplittableRandom r, double lo, double hi) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextDouble(lo, hi);
        return ctx.upload(v);
    }

    private static void run(CudaContext ctx, SelectiveScanCuda scan, Case c, int repeats) {
        ScanShape s = c.shape;
        SplittableRandom r = new SplittableRandom(1);
        long seq = s.sequenceSize(), grp = s.groupedSize(), dn = (long) s.channels() * s.state();
        long u = random(ctx, seq, r, -1, 1), delta = random(ctx, seq, r, -3, 0), A = random(ctx, dn, r, -2, -0.5);
        long Bm = random(ctx, grp, r, -1, 1), Cm = random(ctx, grp, r, -1, 1);
        long D = random(ctx, s.channels(), r, 0.5, 1.5), bias = random(ctx, s.channels(), r, -1, 0);
        long z = c.z ? random(ctx, seq, r, -1, 1) : 0, gout = random(ctx, seq, r, -1, 1);
        var alloc = ctx.allocator();
        long stream = ctx.stream();
        long out = alloc.allocate(4 * seq, stream), states = alloc.allocate(4 * scan.stateElements(s), stream);
        long du = alloc.allocate(4 * seq, stream), dd = alloc.allocate(4 * seq, stream), dz = c.z ? alloc.allocate(4 * seq, stream) : 0;
        long dA = alloc.allocate(4 * dn, stream), dB = alloc.allocate(4 * grp, stream), dC = alloc.allocate(4 * grp, stream);
        long dD = alloc.allocate(4L * s.channels(), stream), dbias = alloc.allocate(4L * s.channels(), stream);
        Runnable fwd = () -> scan.forward(s, true, u, delta, A, Bm, Cm, D, z, bias, out, states, 0);
        Runnable bwd = () -> scan.backward(s, true, u, delta, A, Bm, Cm, D, z, bias, states, gout, du, dd, dA, dB, dC, dD, dz, dbias);
        double fwdMs = DeviceTiming.medianMillis(ctx, 3, repeats, fwd), bwdMs = DeviceTiming.medianMillis(ctx, 3, repeats, bwd);
        long fwdBytes = 4 * (seq * (c.z ? 4 : 3) + 2 * grp);
        long bwdBytes = 4 * (seq * (c.z ? 7 : 5) + 4 * grp);
        double floorF = fwdBytes / FLOOR_BYTES_PER_MS, floorB = bwdBytes / FLOOR_BYTES_PER_MS;
        System.out.println(String.format(Locale.ROOT,
                "{\"case\":\"scan\",\"name\":\"%s\",\"shape\":[%d,%d,%d,%d,%d],\"z\":%b,\"chunk\":%d,"
                        + "\"fwd_kernel\":\"%s\",\"bwd_kernel\":\"%s\",\"segments\":%d,\"fwd_ms\":%.4f,\"bwd_ms\":%.4f,"
                        + "\"fwd_gbps\":%.1f,\"bwd_gbps\":%.1f,\"floor_fwd_ms\":%.4f,\"floor_bwd_ms\":%.4f,"
                        + "\"ref_fwd_ms\":%.3f,\"ref_bwd_ms\":%.3f,\"speedup_fwd\":%.2f,\"speedup_bwd\":%.2f}",
                c.name, s.batch(), s.channels(), s.length(), s.state(), s.groups(), c.z, scan.chunk(),
                scan.version(s, false), scan.version(s, true), Math.ceilDiv(s.chunks(scan.chunk()), scan.segmentChunks(s)), fwdMs, bwdMs,
                fwdBytes / fwdMs / 1e6, bwdBytes / bwdMs / 1e6, floorF, floorB, c.refFwd, c.refBwd, c.refFwd / fwdMs, c.refBwd / bwdMs));
        for (long p : new long[] {u, delta, A, Bm, Cm, D, bias, z, gout, out, states, du, dd, dz, dA, dB, dC, dD, dbias}) if (p != 0) alloc.free(p);
    }
}
