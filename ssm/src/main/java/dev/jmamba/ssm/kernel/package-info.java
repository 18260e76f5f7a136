/**
 * The selective scan (S6) as kernels on plain arrays: {@link dev.jmamba.ssm.kernel.SelectiveScanReference}
 * (frozen float64 reference, forward and backward), {@link dev.jmamba.ssm.kernel.SelectiveScanCpu}
 * (fused float32 kernel with a chunked, hand-written backward) and {@link dev.jmamba.ssm.kernel.ScanBench}. The CUDA
 * kernels are in {@code dev.jmamba.ssm.cuda}; the autograd op over all of them is {@link dev.jmamba.ssm.SelectiveScan}.
 */
package dev.jmamba.ssm.kernel;
