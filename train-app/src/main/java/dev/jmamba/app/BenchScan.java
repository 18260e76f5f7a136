package dev.jmamba.app;

import dev.jmamba.ssm.cuda.ScanCudaBench;
import dev.jmamba.ssm.cuda.ScanCudaResult;
import dev.jmamba.ssm.kernel.ScanBench;
import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.cpu.Parallel;
import dev.jmamba.tensor.cuda.CudaContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jmamba bench scan --shape B,D,L,N[,G] [--device cpu|cuda[:N]]}. On the CPU (the default)
 * it times the fused float32 selective scan, forward and backward, against the float64 reference in
 * the same run ({@link ScanBench}) and prints the medians, the bytes moved, GB/s and the speed-up over
 * the reference. On a CUDA device it times the GPU scan with {@link ScanCudaBench#measure} (CUDA
 * events, median of {@code --repeats}) and prints ms, GB/s, the byte floor at the device-to-device copy
 * bandwidth measured in the same run and the fraction of it reached, plus mamba_ssm's times when the shape
 * is one of {@link ScanCudaBench#REFERENCES} — with speed-ups only on the GPU those were measured on. {@code --threads} and {@code --ref-repeats} concern the CPU run only: with a CUDA device they
 * are usage errors rather than silently ignored.
 */
@Command(name = "scan", mixinStandardHelpOptions = true,
        description = "Time the selective scan (forward and backward): on the CPU against the float64 reference,"
                + " on a GPU against the byte floor (the copy bandwidth measured in the same run) and, for three shapes,"
                + " mamba_ssm's kernel times measured on an H100 (speed-ups printed only on an H100).")
public final class BenchScan implements Runnable {
    private static final int DEFAULT_REF_REPEATS = 3;

    @Option(names = "--shape", required = true, description = "B,D,L,N or B,D,L,N,G (batch, channels, length, state, groups).")
    String shape;

    @Option(names = "--device", description = "cpu (default), cuda or cuda:N.")
    String device;

    @Option(names = "--no-z", description = "Scan without the SiLU(z) gate.")
    boolean noZ;

    @Option(names = "--threads", description = "Worker threads (default: all cores; CPU only).")
    Integer threads;

    @Option(names = "--repeats", defaultValue = "21", description = "Timed runs of the fast kernel (default ${DEFAULT-VALUE});"
            + " the median is reported.")
    int repeats;

    @Option(names = "--ref-repeats", description = "Timed runs of the float64 reference (default " + DEFAULT_REF_REPEATS
            + "; CPU only: on a GPU the reference times are mamba_ssm's, measured on an H100).")
    Integer refRepeats;

    @Option(names = "--json", description = "Print one JSON line instead of text.")
    boolean json;

    @Override public void run() {
        ScanShape parsed;
        try {
            parsed = ScanBench.parseShape(shape);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--shape: " + e.getMessage());
        }
        if (repeats < 1) throw UserError.usage("--repeats must be >= 1, got " + repeats);
        if (refRepeats != null && refRepeats < 1) throw UserError.usage("--ref-repeats must be >= 1, got " + refRepeats);
        if (threads != null && threads < 1) throw UserError.usage("--threads must be >= 1, got " + threads);
        Device dev = device == null ? Device.CPU : DeviceOption.syntax(device);
        if (dev instanceof Device.Cuda cuda) runCuda(cuda, parsed);
        else runCpu(parsed);
    }

    private void runCpu(ScanShape parsed) {
        if (threads != null) Parallel.setThreads(threads);
        ScanBench.Inputs inputs = new ScanBench.Inputs(!noZ, true, true, true);
        ScanBench.Result result = ScanBench.run(parsed, inputs, repeats, refRepeats == null ? DEFAULT_REF_REPEATS : refRepeats);
        // the same leading "case" key as bench gemm, then ScanBench's fields
        System.out.println(json ? "{\"case\":\"scan\"," + result.toJson().substring(1) : result.toString());
    }

    private void runCuda(Device.Cuda cuda, ScanShape parsed) {
        if (threads != null) throw UserError.usage("--threads sets the CPU worker threads and cannot be used with --device " + cuda);
        if (refRepeats != null) {
            throw UserError.usage("--ref-repeats times the CPU float64 reference and cannot be used with --device " + cuda
                    + " (the GPU reference times are mamba_ssm's, measured on an H100)");
        }
        DeviceOption.requireAvailable(cuda, device);
        ScanCudaResult result = ScanCudaBench.measure(CudaContext.get(cuda.index()), parsed, !noZ, repeats);
        System.out.println(json ? result.toJson() : result.toString());
    }
}
