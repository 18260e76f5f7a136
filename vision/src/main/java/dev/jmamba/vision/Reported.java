package dev.jmamba.vision;

import java.util.Map;
import java.util.Optional;

/**
 * Published sizes of the tiny presets at 224 (spec reported-results.md), for comparison in
 * {@code jmamba info} and the README. FLOPs there are fvcore multiply-adds.
 *
 * @param params published parameter count
 * @param flops  published FLOPs at 224
 * @param source where the numbers were read
 */
public record Reported(double params, double flops, String source) {
    private static final Map<String, Reported> TABLE = Map.of(
            "vim-tiny", new Reported(7e6, 1.5e9, "hustvl/Vim README; FLOPs from the LocalMamba README"),
            "vim-small", new Reported(26e6, 5.1e9, "hustvl/Vim README; FLOPs from the LocalMamba README"),
            "vmamba-tiny", new Reported(30e6, 4.9e9, "VMamba assets/performance.md, VMamba-T [s1l8]"),
            "localmamba-tiny", new Reported(8e6, 1.5e9, "LocalMamba README, LocalVim-T"),
            "globalmamba-tiny", new Reported(7e6, 1.7e9, "GlobalMamba result.png, GlobalMamba-M*"),
            "fractalmamba-tiny", new Reported(30e6, 4.8e9, "hkxiao/Fractal-Mamba README, FractalMamba-T"));

    /** The published numbers for {@code model}, if any. */
    public static Optional<Reported> of(String model) { return Optional.ofNullable(TABLE.get(model)); }
}
