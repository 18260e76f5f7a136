package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractTest;

/** The conformance suite on the CPU backend. */
class CpuBackendTest extends BackendContractTest {
    @Override protected Device device() { return Device.CPU; }
}
