package dev.jmamba.tensor.cpu;

import java.util.logging.Logger;

/**
 * Whether the Vector API (incubator module {@code jdk.incubator.vector}) is present. Kernels
 * that use it live in classes named {@code *Simd} that are only loaded when it is; otherwise
 * the scalar loops run. {@code -Djmamba.simd=false} turns SIMD off on purpose.
 */
public final class SimdSupport {
    /** True when SIMD kernels may be used. */
    public static final boolean ENABLED = detect();

    private SimdSupport() {}

    private static boolean detect() {
        if (!Boolean.parseBoolean(System.getProperty("jmamba.simd", "true"))) return false;
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (!present) {
            Logger.getLogger("dev.jmamba").info("jdk.incubator.vector is not loaded (run with --add-modules jdk.incubator.vector, as ./jmamba does); using scalar CPU kernels");
        }
        return present;
    }
}
