/**
 * The selective scan (S6) as an autograd op ({@link dev.jmamba.ssm.SelectiveScan}; {@link dev.jmamba.ssm.SelectiveScanOps}
 * is the same in plain autograd ops) over its kernels: {@code kernel} (the frozen float64 reference and the fused
 * CPU kernel), {@code cuda} (the GPU kernels); {@code conv} holds the causal depthwise conv1d, {@code block} the 1-D
 * Mamba blocks. The 2-D mixers are in the {@code vision} module.
 */
package dev.jmamba.ssm;
