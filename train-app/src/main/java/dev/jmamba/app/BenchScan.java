package dev.jmamba.app;

import dev.jmamba.ssm.kernel.ScanBench;
import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.tensor.cpu.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jmamba bench scan --shape B,D,L,N[,G]}: times the fused float32 CPU selective scan,
 * forward and backward, against the float64 reference in the same run ({@link ScanBench}) and prints
 * the medians, the bytes moved, GB/s and the speed-up over the reference.
 */
@Command(name = "scan", mixinStandardHelpOptions = true,
        description = "Time the fused CPU selective scan (forward and backward) against the float64 reference.")
public final class BenchScan implements Runnable {
    @Option(names = "--shape", required = true, description = "B,D,L,N or B,D,L,N,G (batch, channels, length, state, groups).")
    String shape;

    @Option(names = "--no-z", description = "Scan without the SiLU(z) gate.")
    boolean noZ;

    @Option(names = "--threads", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--repeats", defaultValue = "21", description = "Timed runs of the fast kernel (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--ref-repeats", defaultValue = "3", description = "Timed runs of the reference (default ${DEFAULT-VALUE}).")
    int refRepeats;

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
        if (refRepeats < 1) throw UserError.usage("--ref-repeats must be >= 1, got " + refRepeats);
        if (threads != null) {
            if (threads < 1) throw UserError.usage("--threads must be >= 1, got " + threads);
            Parallel.setThreads(threads);
        }
        ScanBench.Inputs inputs = new ScanBench.Inputs(!noZ, true, true, true);
        ScanBench.Result result = ScanBench.run(parsed, inputs, repeats, refRepeats);
        // the same leading "case" key as bench gemm, then ScanBench's fields
        System.out.println(json ? "{\"case\":\"scan\"," + result.toJson().substring(1) : result.toString());
    }
}
