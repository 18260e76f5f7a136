package dev.jmamba.vision;

import java.util.List;

/**
 * Parameters and FLOPs of a backbone at one input resolution, part by part (stem, stage/layer
 * groups, head), computed analytically from its config by {@link CostCounter}.
 *
 * <p>FLOPs follow the convention of the published numbers (fvcore, as used by VMamba, Vim,
 * LocalMamba, GrootV): one multiply-add counts as one "FLOP" (i.e. these are MACs); see
 * {@link CostCounter} for the rule of each operation.
 *
 * @param model      registry name
 * @param resolution input side in pixels
 * @param parts      the rows in forward order
 */
public record CostReport(String model, int resolution, List<Part> parts) {
    public CostReport {
        parts = List.copyOf(parts);
    }

    /** One row: a named part of the network with its parameters and FLOPs (batch 1). */
    public record Part(String name, long params, long flops) {}

    /** Total trainable parameters. */
    public long params() { return parts.stream().mapToLong(Part::params).sum(); }

    /** Total FLOPs (multiply-adds) for one image. */
    public long flops() { return parts.stream().mapToLong(Part::flops).sum(); }
}
