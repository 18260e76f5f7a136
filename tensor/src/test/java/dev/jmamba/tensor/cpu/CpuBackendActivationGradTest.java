package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractActivationGradTest;

/** The fused activation backward conformance suite on the CPU backend. */
class CpuBackendActivationGradTest extends BackendContractActivationGradTest {
    @Override protected Device device() { return Device.CPU; }
}
