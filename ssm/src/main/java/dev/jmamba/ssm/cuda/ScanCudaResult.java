package dev.jmamba.ssm.cuda;

import dev.jmamba.ssm.kernel.ScanShape;
import java.util.Locale;
import java.util.Optional;

/**
 * One measurement of the GPU selective scan ({@link ScanCudaBench#measure}): median forward and
 * backward device milliseconds, the bytes each direction must move at least, and what follows from
 * them — achieved GB/s, the byte floor at the copy bandwidth measured in the same run and the fraction
 * of that floor reached ({@code floor ms / measured ms}, 1 = at the copy bandwidth) — plus the reference
 * kernel's times when the shape is one of {@link ScanCudaBench#REFERENCES}. Those were measured on a
 * {@value ScanCudaBench#REFERENCE_GPU}: speed-ups are derived only when {@code gpu} is that GPU, and
 * otherwise the reference is printed with its GPU and no ratio.
 *
 * @param shape      (B, D, L, N, G) of the timed call
 * @param z          whether the SiLU(z) gate was on
 * @param device     the device, e.g. {@code cuda:0}
 * @param gpu        the GPU's name as the driver reports it
 * @param chunk      positions per saved state of the backward
 * @param fwdKernel  kernel family of the forward ("v6" or "v3")
 * @param bwdKernel  kernel family of the backward
 * @param segments   v6 segments along L (1: no summary pass)
 * @param fwdMs      median forward milliseconds (CUDA events)
 * @param bwdMs      median backward milliseconds (CUDA events)
 * @param fwdBytes   bytes the forward must read and write ({@link ScanCudaBench#forwardBytes})
 * @param bwdBytes   bytes the backward must read and write ({@link ScanCudaBench#backwardBytes})
 * @param floorGbps  device-to-device copy bandwidth of this GPU in this run ({@link ScanCudaBench#copyGbps})
 */
public record ScanCudaResult(ScanShape shape, boolean z, String device, String gpu, int chunk, String fwdKernel,
        String bwdKernel, int segments, double fwdMs, double bwdMs, long fwdBytes, long bwdBytes, double floorGbps) {

    /** Achieved forward bandwidth, GB/s (1e9 bytes). */
    public double fwdGbps() { return fwdBytes / fwdMs / 1e6; }

    /** Achieved backward bandwidth, GB/s (1e9 bytes). */
    public double bwdGbps() { return bwdBytes / bwdMs / 1e6; }

    /** Milliseconds the forward's bytes take at the floor bandwidth. */
    public double floorFwdMs() { return fwdBytes / (floorGbps * 1e6); }

    /** Milliseconds the backward's bytes take at the floor bandwidth. */
    public double floorBwdMs() { return bwdBytes / (floorGbps * 1e6); }

    /** Fraction of the byte floor the forward reaches: floor ms / measured ms. */
    public double fwdFractionOfFloor() { return floorFwdMs() / fwdMs; }

    /** Fraction of the byte floor the backward reaches: floor ms / measured ms. */
    public double bwdFractionOfFloor() { return floorBwdMs() / bwdMs; }

    /** The reference kernel's times when (shape, z) is one of the reference cases. */
    public Optional<ScanCudaBench.Reference> reference() { return ScanCudaBench.reference(shape, z); }

    /** Whether this run's GPU is the one the reference times were measured on, so that a ratio means something. */
    public boolean sameGpuAsReference() { return gpu.contains(ScanCudaBench.REFERENCE_GPU); }

    /**
     * One JSON line: {@code case, [name,] device, gpu, shape, z, chunk, kernels, segments, fwd/bwd ms,
     * bytes, GB/s, floor_gbps (measured), floor ms, fraction_of_floor_fwd/bwd [, ref_gpu, ref_fwd_ms, ref_bwd_ms
     * [, speedup_fwd, speedup_bwd] — the speed-ups only on the reference GPU]}.
     */
    public String toJson() {
        Optional<ScanCudaBench.Reference> ref = reference();
        StringBuilder b = new StringBuilder("{\"case\":\"scan\"");
        ref.ifPresent(r -> b.append(",\"name\":\"").append(r.name()).append('"'));
        b.append(String.format(Locale.ROOT,
                ",\"device\":\"%s\",\"gpu\":\"%s\",\"shape\":[%d,%d,%d,%d,%d],\"z\":%b,\"chunk\":%d,"
                        + "\"fwd_kernel\":\"%s\",\"bwd_kernel\":\"%s\",\"segments\":%d,\"fwd_ms\":%.4f,\"bwd_ms\":%.4f,"
                        + "\"fwd_bytes\":%d,\"bwd_bytes\":%d,\"fwd_gbps\":%.1f,\"bwd_gbps\":%.1f,\"floor_gbps\":%.1f,"
                        + "\"floor_fwd_ms\":%.4f,\"floor_bwd_ms\":%.4f,\"fraction_of_floor_fwd\":%.3f,\"fraction_of_floor_bwd\":%.3f",
                device, jsonEscape(gpu), shape.batch(), shape.channels(), shape.length(), shape.state(), shape.groups(), z, chunk,
                fwdKernel, bwdKernel, segments, fwdMs, bwdMs, fwdBytes, bwdBytes, fwdGbps(), bwdGbps(), floorGbps,
                floorFwdMs(), floorBwdMs(), fwdFractionOfFloor(), bwdFractionOfFloor()));
        ref.ifPresent(r -> {
            b.append(String.format(Locale.ROOT, ",\"ref_gpu\":\"%s\",\"ref_fwd_ms\":%.3f,\"ref_bwd_ms\":%.3f",
                    ScanCudaBench.REFERENCE_GPU, r.fwdMs(), r.bwdMs()));
            if (sameGpuAsReference()) {
                b.append(String.format(Locale.ROOT, ",\"speedup_fwd\":%.2f,\"speedup_bwd\":%.2f", r.fwdMs() / fwdMs, r.bwdMs() / bwdMs));
            }
        });
        return b.append('}').toString();
    }

    /** Three lines for people: the call, then forward and backward with GB/s, floor, fraction and the reference. */
    @Override public String toString() {
        Optional<ScanCudaBench.Reference> ref = reference();
        String head = String.format(Locale.ROOT, "scan B=%d D=%d L=%d N=%d G=%d %s on %s (%s), chunk %d, kernels %s/%s, %d segment%s%s",
                shape.batch(), shape.channels(), shape.length(), shape.state(), shape.groups(), z ? "with z" : "without z",
                device, gpu, chunk, fwdKernel, bwdKernel, segments, segments == 1 ? "" : "s",
                ref.map(r -> ", case " + r.name()).orElse(""));
        return head + "\n" + line("forward ", fwdMs, fwdGbps(), floorFwdMs(), fwdFractionOfFloor(), ref.map(ScanCudaBench.Reference::fwdMs))
                + "\n" + line("backward", bwdMs, bwdGbps(), floorBwdMs(), bwdFractionOfFloor(), ref.map(ScanCudaBench.Reference::bwdMs));
    }

    private String line(String what, double ms, double gbps, double floorMs, double fraction, Optional<Double> refMs) {
        String s = String.format(Locale.ROOT, "  %s: %.4f ms (%.1f GB/s); floor %.4f ms at %.0f GB/s (copy, this run), %.2f of the floor",
                what, ms, gbps, floorMs, floorGbps, fraction);
        return s + refMs.map(r -> sameGpuAsReference()
                ? String.format(Locale.ROOT, "; reference (mamba_ssm, %s) %.3f ms, speed-up %.2fx", ScanCudaBench.REFERENCE_GPU, r, r / ms)
                : String.format(Locale.ROOT, "; reference (mamba_ssm) %.3f ms was measured on an %s, not on this GPU: no speed-up",
                        r, ScanCudaBench.REFERENCE_GPU)).orElse("");
    }

    private static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
