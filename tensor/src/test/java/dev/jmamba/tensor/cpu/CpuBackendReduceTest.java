package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractReduceTest;

/** The leading / middle axis reduction suite on the CPU backend. */
class CpuBackendReduceTest extends BackendContractReduceTest {
    @Override protected Device device() { return Device.CPU; }
}
