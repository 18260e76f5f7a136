package dev.jmamba.vision.mixer;

/**
 * VMamba's SS2D operator: a {@link MultiScanMixer} over the four cross-scan directions
 * (raster, column, raster-rev, column-rev), channels-last (B, H, W, C) → (B, H, W, C).
 */
public final class SS2D extends MultiScanMixer {

    /** SS2D with VMamba's initialisation; {@link SS2DConfig#vmambaTinyS1l8} gives the VMamba-T [s1l8] settings. */
    public SS2D(SS2DConfig config) { super(config, 4, ScanOrderSet.vmamba()); }
}
