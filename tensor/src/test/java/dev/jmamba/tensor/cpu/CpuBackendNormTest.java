package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractNormTest;

/** The fused residual add + RMS norm conformance suite on the CPU backend. */
class CpuBackendNormTest extends BackendContractNormTest {
    @Override protected Device device() { return Device.CPU; }
}
