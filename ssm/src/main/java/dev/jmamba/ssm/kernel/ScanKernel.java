package dev.jmamba.ssm.kernel;

/**
 * A whole-call implementation behind {@link SelectiveScanCpu}'s forward and backward (same
 * arguments, same results). The interface lets {@link SelectiveScanCpu} hold the Vector API kernel
 * without naming (and so loading) any vector type.
 */
interface ScanKernel {

    /** See {@link SelectiveScanCpu#forward}. */
    ScanForward forward(ScanArgs a, boolean wantLastState);

    /** See {@link SelectiveScanCpu#backward}; arguments are already validated. */
    ScanGrads backward(ScanArgs a, float[] chunkStates, float[] gout);
}
