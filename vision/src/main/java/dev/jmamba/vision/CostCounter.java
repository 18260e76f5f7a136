package dev.jmamba.vision;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts parameters and FLOPs layer by layer, without building the model. A config's
 * {@code cost} method calls one method per layer in forward order and {@link #part} whenever a
 * new row of the report starts; each method returns nothing and adds to the current row.
 *
 * <p>FLOP rules (batch 1, multiply-add = 1 FLOP, as fvcore counts them and as the VMamba,
 * Vim, LocalMamba and GrootV papers report "FLOPs"):
 * <ul>
 *   <li>linear / 1×1 projection over T tokens: T·in·out (bias not counted);</li>
 *   <li>convolution: outH·outW·out·(in/groups)·k² (bias not counted);</li>
 *   <li>LayerNorm / RMSNorm / BatchNorm: 5 per element (fvcore's norm rule with affine
 *       weights, applied to all three for simplicity);</li>
 *   <li>global average pooling: 1 per input element;</li>
 *   <li>selective scan over (B=1, D channels, L steps, N states): 9·L·D·N, plus L·D for the
 *       D skip term and L·D for the z gate when present — the formula proposed in
 *       state-spaces/mamba issue 110 and used by VMamba's {@code flops_selective_scan_fn};</li>
 *   <li>element-wise activations, additions, gathers/permutations and resizes: 0 (fvcore ignores
 *       them too).</li>
 * </ul>
 */
public final class CostCounter {
    private final List<CostReport.Part> parts = new ArrayList<>();
    private String current;
    private long params;
    private long flops;

    /** Starts a new row named {@code name} (closing the previous one). */
    public CostCounter part(String name) {
        close();
        current = name;
        return this;
    }

    /** Linear layer applied to {@code tokens} positions: (tokens, in) → (tokens, out). */
    public CostCounter linear(long tokens, int in, int out, boolean bias) {
        params += (long) in * out + (bias ? out : 0);
        flops += tokens * in * out;
        return this;
    }

    /** FLOPs of applying an already counted linear layer again (shared weights): tokens·in·out. */
    public CostCounter linearApply(long tokens, int in, int out) {
        flops += tokens * in * out;
        return this;
    }

    /** FLOPs of applying an already counted normalisation again over {@code elements} values. */
    public CostCounter normApply(long elements) {
        flops += 5 * elements;
        return this;
    }

    /** 2-D convolution with a square kernel producing an outH×outW map. */
    public CostCounter conv2d(int in, int out, int kernel, int groups, boolean bias, int outH, int outW) {
        long weights = (long) out * (in / groups) * kernel * kernel;
        params += weights + (bias ? out : 0);
        flops += (long) outH * outW * weights;
        return this;
    }

    /** Depthwise causal 1-D convolution (Mamba's short conv): channels, kernel k, length L. */
    public CostCounter conv1dDepthwise(int channels, int kernel, boolean bias, long length) {
        params += (long) channels * kernel + (bias ? channels : 0);
        flops += length * channels * kernel;
        return this;
    }

    /** A normalisation layer of {@code channels} with {@code affineTensors} (1 = weight, 2 = weight and bias) over {@code elements} values. */
    public CostCounter norm(int channels, int affineTensors, long elements) {
        params += (long) channels * affineTensors;
        flops += 5 * elements;
        return this;
    }

    /** Global average pooling over {@code elements} input values. */
    public CostCounter pool(long elements) {
        flops += elements;
        return this;
    }

    /**
     * Selective scan of {@code channels} channels over {@code length} steps with {@code states}
     * states (state-spaces/mamba issue 110: 9·L·D·N, + L·D for D, + L·D for z).
     */
    public CostCounter scan(int channels, long length, int states, boolean withD, boolean withZ) {
        flops += 9L * length * channels * states + (withD ? length * channels : 0) + (withZ ? length * channels : 0);
        return this;
    }

    /** Free parameters that take no FLOPs (cls token, position embedding, A_log, D, biases of a scan, ...). */
    public CostCounter params(long count) {
        params += count;
        return this;
    }

    /** Extra FLOPs not covered by the methods above (e.g. fixed DCT matrix products). */
    public CostCounter flops(long count) {
        flops += count;
        return this;
    }

    /** The finished report. */
    public CostReport report(String model, int resolution) {
        close();
        return new CostReport(model, resolution, parts);
    }

    private void close() {
        if (current != null) parts.add(new CostReport.Part(current, params, flops));
        current = null;
        params = 0;
        flops = 0;
    }
}
