package dev.jmamba.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jmamba bench <case>}: micro-benchmarks of the compute kernels. This class only groups the
 * cases; each case is its own small class listed in {@code subcommands} (add new ones there).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark compute kernels (prints medians; --json for one machine-readable line).",
        subcommands = {BenchGemm.class, BenchScan.class, BenchTrain.class, BenchLoader.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }
}
