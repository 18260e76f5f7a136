package dev.jmamba.ssm;

import dev.jmamba.tensor.Tensor;

/**
 * A scan along paths done with copies ({@link ScanKernels#forwardAlong}'s default): gather every sequence input of each
 * group into its path's order, scan, and scatter the output and the per-position gradients back. The CUDA v6 kernels
 * read and write through the path table instead.
 */
final class PathRouting {
    private PathRouting() {}

    /** What the routed backward needs: the gathered inputs and the inner forward's own saved state. */
    record Saved(ScanTensors routed, Object inner) {}

    /** u (shared or not), delta, z (B, D, L) and B, C (B, G, N, L) in path order; A, D, deltaBias as they are. */
    static ScanTensors gather(ScanPaths paths, ScanTensors in) {
        return new ScanTensors(paths.gather(in.u(), in.sharedInput()), paths.gather(in.delta(), false), in.A(),
                paths.gather(in.B(), false), paths.gather(in.C(), false), in.D(),
                in.z() == null ? null : paths.gather(in.z(), false), in.deltaBias(), in.softplus());
    }

    /**
     * The per-position gradients (u, delta, B, C, z in {@link ScanTensors#toArray()} order) back in memory order; u's
     * summed over the groups into the shared (B, D / G, L) input when it is shared.
     */
    static Tensor[] scatterGrads(ScanPaths paths, ScanTensors in, Tensor[] g) {
        for (int i : new int[] {0, 1, 3, 4, 6}) if (g[i] != null) g[i] = paths.scatter(g[i]);
        if (g[0] != null && in.sharedInput()) g[0] = paths.sumGroups(g[0]);
        return g;
    }
}
