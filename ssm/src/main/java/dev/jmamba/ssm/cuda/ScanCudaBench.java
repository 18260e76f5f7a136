package dev.jmamba.ssm.cuda;

import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaDriver;
import dev.jmamba.tensor.cuda.DeviceTiming;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Times the GPU selective scan, forward and backward: {@link #measure} is the one measuring method
 * (used by {@code jmamba bench scan --device cuda} and by {@link #main}). Device time comes from
 * CUDA events ({@link DeviceTiming#medianMillis}: 3 untimed runs, then the median of the repeats);
 * the bytes moved give GB/s, and the byte floor is those bytes at the device-to-device copy bandwidth
 * measured in the same run ({@link #copyGbps}). For three shapes the reference kernel's times are known
 * ({@link #REFERENCES}: state-spaces/mamba's CUDA kernel under PyTorch 2.11, measured on an NVIDIA
 * {@value #REFERENCE_GPU}); speed-ups against them are printed only when this run's GPU is that GPU.
 *
 * <p>{@code main} prints one JSON line per reference case. Usage:
 * {@code ScanCudaBench [chunk] [repeats] [case-name]}; {@code -Djmamba.scan.v6=false} times the v3
 * kernels, {@code -Djmamba.scan.threads=T} moves the v6 segment count (S ≈ T / (B·D)).
 */
public final class ScanCudaBench {
    /** The GPU the {@link #REFERENCES} times were measured on (a substring of the driver's device name). */
    public static final String REFERENCE_GPU = "H100";
    /** Floats per buffer of the copy that measures the floor bandwidth (2^26: 256 MiB, far beyond any cache). */
    static final int COPY_FLOATS = 1 << 26;

    private ScanCudaBench() {}

    /**
     * One reference case with the reference kernel's median milliseconds on {@link #REFERENCE_GPU}.
     *
     * @param name  the case's name
     * @param shape (B, D, L, N, G)
     * @param z     whether the SiLU(z) gate is on
     * @param fwdMs reference forward milliseconds
     * @param bwdMs reference backward milliseconds
     */
    public record Reference(String name, ScanShape shape, boolean z, double fwdMs, double bwdMs) {}

    /** mamba_ssm's selective_scan_cuda on the {@link #REFERENCE_GPU}, PyTorch 2.11, median of CUDA-event timings. */
    public static final List<Reference> REFERENCES = List.of(
            new Reference("vim-t", new ScanShape(128, 384, 197, 16, 1), true, 0.452, 1.524),
            new Reference("vmamba-t-stage1", new ScanShape(128, 384, 3136, 1, 4), false, 1.677, 4.883),
            new Reference("long", new ScanShape(8, 1536, 16384, 16, 1), true, 7.750, 16.995));

    /** The reference case for (shape, z), if it is one. */
    public static Optional<Reference> reference(ScanShape shape, boolean z) {
        return REFERENCES.stream().filter(r -> r.shape().equals(shape) && r.z() == z).findFirst();
    }

    /**
     * Bytes the forward must move at least, 4 each: reads u, delta (and z), writes out — (B, D, L)
     * each — and reads B, C — (B, G, N, L) each.
     */
    public static long forwardBytes(ScanShape s, boolean z) {
        return 4L * ((long) s.sequenceSize() * (z ? 4 : 3) + 2L * s.groupedSize());
    }

    /**
     * Bytes the backward must move at least, 4 each: reads u, delta, (z,) dout, writes du, ddelta
     * (, dz) — (B, D, L) each — and reads B, C, writes dB, dC — (B, G, N, L) each.
     */
    public static long backwardBytes(ScanShape s, boolean z) {
        return 4L * ((long) s.sequenceSize() * (z ? 7 : 5) + 4L * s.groupedSize());
    }

    /**
     * Times forward and backward of shape {@code s} with the production kernels (the chunk of the
     * CUDA scan op, {@link CudaScanKernels}) on seeded random inputs.
     *
     * @param repeats timed runs per direction, at least 1 (the median is reported)
     */
    public static ScanCudaResult measure(CudaContext ctx, ScanShape s, boolean z, int repeats) {
        return measure(new SelectiveScanCuda(ctx, CudaScanKernels.CHUNK), ctx, s, z, repeats);
    }

    /** As {@link #measure(CudaContext, ScanShape, boolean, int)} with the given kernels (any chunk). */
    public static ScanCudaResult measure(SelectiveScanCuda scan, CudaContext ctx, ScanShape s, boolean z, int repeats) {
        if (repeats < 1) throw new JmambaException("repeats must be >= 1, got " + repeats);
        SplittableRandom r = new SplittableRandom(1);
        long seq = s.sequenceSize(), grp = s.groupedSize(), dn = (long) s.channels() * s.state();
        var alloc = ctx.allocator();
        long stream = ctx.stream();
        long[] p = new long[19];   // every device buffer, freed at the end
        try {
            long u = p[0] = random(ctx, seq, r, -1, 1), delta = p[1] = random(ctx, seq, r, -3, 0);
            long A = p[2] = random(ctx, dn, r, -2, -0.5);
            long Bm = p[3] = random(ctx, grp, r, -1, 1), Cm = p[4] = random(ctx, grp, r, -1, 1);
            long D = p[5] = random(ctx, s.channels(), r, 0.5, 1.5), bias = p[6] = random(ctx, s.channels(), r, -1, 0);
            long zz = p[7] = z ? random(ctx, seq, r, -1, 1) : 0, gout = p[8] = random(ctx, seq, r, -1, 1);
            long out = p[9] = alloc.allocate(4 * seq, stream), states = p[10] = alloc.allocate(4 * scan.stateElements(s), stream);
            long du = p[11] = alloc.allocate(4 * seq, stream), dd = p[12] = alloc.allocate(4 * seq, stream);
            long dz = p[13] = z ? alloc.allocate(4 * seq, stream) : 0;
            long dA = p[14] = alloc.allocate(4 * dn, stream);
            long dB = p[15] = alloc.allocate(4 * grp, stream), dC = p[16] = alloc.allocate(4 * grp, stream);
            long dD = p[17] = alloc.allocate(4L * s.channels(), stream), dbias = p[18] = alloc.allocate(4L * s.channels(), stream);
            Runnable fwd = () -> scan.forward(s, true, u, delta, A, Bm, Cm, D, zz, bias, out, states, 0);
            Runnable bwd = () -> scan.backward(s, true, u, delta, A, Bm, Cm, D, zz, bias, states, gout, du, dd, dA, dB, dC, dD, dz, dbias);
            double fwdMs = DeviceTiming.medianMillis(ctx, 3, repeats, fwd);
            double bwdMs = DeviceTiming.medianMillis(ctx, 3, repeats, bwd);
            int segments = Math.ceilDiv(s.chunks(scan.chunk()), scan.segmentChunks(s));
            return new ScanCudaResult(s, z, "cuda:" + ctx.index(), ctx.name(), scan.chunk(), scan.version(s, false),
                    scan.version(s, true), segments, fwdMs, bwdMs, forwardBytes(s, z), backwardBytes(s, z), copyGbps(ctx));
        } finally {
            for (long ptr : p) if (ptr != 0) alloc.free(ptr);
        }
    }

    /**
     * The device-to-device copy bandwidth of this GPU, GB/s (1e9 bytes, read + write counted): cuMemcpyDtoDAsync
     * of {@link #COPY_FLOATS} floats, 3 untimed copies, median of 10. The floor a memory-bound kernel can reach.
     */
    public static double copyGbps(CudaContext ctx) {
        var alloc = ctx.allocator();
        long bytes = 4L * COPY_FLOATS;
        long src = alloc.allocate(bytes, ctx.stream()), dst = alloc.allocate(bytes, ctx.stream());
        try {
            double ms = DeviceTiming.medianMillis(ctx, 3, 10, () -> CudaDriver.memcpyDtoDAsync(dst, src, bytes, ctx.stream()));
            return 2.0 * bytes / ms / 1e6;
        } finally {
            alloc.free(src);
            alloc.free(dst);
        }
    }

    private static long random(CudaContext ctx, long n, SplittableRandom r, double lo, double hi) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextDouble(lo, hi);
        return ctx.upload(v);
    }

    /** Prints one JSON line per reference case: {@code [chunk] [repeats] [case-name]}. */
    public static void main(String[] args) {
        int chunk = args.length > 0 ? Integer.parseInt(args[0]) : CudaScanKernels.CHUNK;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        CudaContext ctx = CudaContext.get(0);
        SelectiveScanCuda scan = new SelectiveScanCuda(ctx, chunk);
        for (Reference c : REFERENCES) {
            if (args.length < 3 || c.name().equals(args[2])) System.out.println(measure(scan, ctx, c.shape(), c.z(), repeats).toJson());
        }
    }
}
