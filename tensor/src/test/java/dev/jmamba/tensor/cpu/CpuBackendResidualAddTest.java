package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractResidualAddTest;

/** The fused residual add suite on the CPU backend (Backend's default: the separate ops). */
class CpuBackendResidualAddTest extends BackendContractResidualAddTest {
    @Override protected Device device() { return Device.CPU; }
}
