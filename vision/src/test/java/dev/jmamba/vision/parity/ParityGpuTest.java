package dev.jmamba.vision.parity;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every parity fixture on CUDA device 0 in float32 (the GPU scan computes in float32 whatever the input
 * dtype, so float64 on the GPU would only re-test float32): the GPU paths the CPU tests do not run —
 * VimMixer's channel-major rows with both directions in one pair launch, the CUDA scan, conv, cross-scan and
 * norm kernels, cuBLAS projections. Tolerance {@link ParityCheck#GPU_F32_TOLERANCE}; every error is printed.
 */
@Tag("gpu")
class ParityGpuTest {
    @ParameterizedTest @EnumSource(ParityCases.class)
    void matchesTheReferenceOnTheGpu(ParityCases c) {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        ParityCases.Built b = c.build();
        ParityCheck.Report r = ParityCheck.run(ParityFixture.load(c.fixture), b.module(), b.forward(), DType.F32, gpu);
        System.out.println("parity gpu " + r.errors());
        r.assertWithin(ParityCheck.GPU_F32_TOLERANCE);
    }
}
