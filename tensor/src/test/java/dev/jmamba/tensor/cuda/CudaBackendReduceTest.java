package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.testing.BackendContractReduceTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The leading / middle axis reduction suite on CUDA device 0: the column kernel (reduce_columns,
 * reduce_splits) and the row kernels it falls back to. Both accumulate in double, so F32 sums are
 * held to 1e-12·Σ|x| plus their final rounding.
 */
@Tag("gpu")
class CudaBackendReduceTest extends BackendContractReduceTest {
    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(Device.cuda(0)),
                () -> "no CUDA device: " + new CudaDeviceProvider().unavailableReason());
    }

    @Override protected Device device() { return Device.cuda(0); }

    @Override protected double f32SumError() { return 1e-12; }
}
