package dev.jmamba.ssm.block;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.TensorAssert;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole {@link VimMixer} on CUDA (channel-major rows, in-place strided conv and scan, reverse
 * direction without flips) against the same mixer on the CPU: output, input gradient and every parameter
 * gradient. float32 on both sides with different summation orders; tolerance 1e-3 of each result's
 * largest magnitude (the outputs pass through two projections, the conv and the scan, each adding
 * float32 rounding relative to sums of magnitudes; the per-kernel gpu tests bound the kernels tightly).
 */
@Tag("gpu")
class VimMixerGpuTest {

    @Test void gpuMixerMatchesCpuMixer() {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        VimMixer cpu = new VimMixer(MambaConfig.of(48, 7)), cuda = new VimMixer(MambaConfig.of(48, 7));
        cpu.applyModelInit(4, 1);
        cuda.applyModelInit(4, 1);
        cuda.to(gpu);
        Tensor h = Tensor.randn(8, 3, 37, 48), gout = Tensor.randn(9, 3, 37, 48);
        Var hc = Var.param(h.copy()), hg = Var.param(h.to(gpu));
        Var yc = cpu.forward(hc), yg = cuda.forward(hg);
        yc.backward(gout);
        yg.backward(gout.to(gpu));
        check("out", yc.value(), yg.value());
        check("dh", hc.grad(), hg.grad());
        Map<String, Parameter> pg = cuda.namedParameters();
        cpu.namedParameters().forEach((name, p) -> check("d" + name, p.var().grad(), pg.get(name).var().grad()));
    }

    private static void check(String what, Tensor expected, Tensor actual) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        TensorAssert.assertClose(expected, actual.to(Device.CPU), 1e-3 * Math.max(scale, 1e-6), 0, what);
    }
}
