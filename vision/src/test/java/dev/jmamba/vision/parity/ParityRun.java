package dev.jmamba.vision.parity;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;

/** Runs one {@link ParityCases} case on the CPU in float64 or float32 and asserts the matching tolerance. */
final class ParityRun {
    private ParityRun() {}

    static ParityCheck.Report cpu(ParityCases c, DType dtype) {
        ParityCases.Built b = c.build();
        ParityCheck.Report r = ParityCheck.run(ParityFixture.load(c.fixture), b.module(), b.forward(), dtype, Device.CPU);
        r.assertWithin(dtype == DType.F64 ? ParityCheck.F64_TOLERANCE : ParityCheck.F32_TOLERANCE);
        return r;
    }
}
