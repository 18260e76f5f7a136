package dev.jmamba.ssm;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.ssm.kernel.ScanArgs;
import dev.jmamba.ssm.kernel.ScanArgsF64;
import dev.jmamba.ssm.kernel.ScanForward;
import dev.jmamba.ssm.kernel.ScanGrads;
import dev.jmamba.ssm.kernel.ScanGradsF64;
import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.ssm.kernel.SelectiveScanCpu;
import dev.jmamba.ssm.kernel.SelectiveScanReference;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

/**
 * The selective scan on the CPU. When u is float64 (gradient checks) every input is read as float64
 * and {@link SelectiveScanReference} runs; otherwise every input is read as float32 and the fused
 * {@link SelectiveScanCpu} kernel runs; out comes back in u's dtype and each gradient in autograd's
 * {@code Autocast.gradientType} of its input's dtype (bf16 activations are scanned in float32 and their
 * gradients are float32, as on the GPU).
 */
public final class CpuScanKernels implements ScanKernels {

    /** The shared instance (stateless). */
    public static final CpuScanKernels INSTANCE = new CpuScanKernels();

    private final SelectiveScanCpu fast = SelectiveScanCpu.create();

    private CpuScanKernels() {}

    /** What the float32 backward needs: the arrays of the inputs and the chunk boundary states. */
    private record SavedF32(ScanArgs args, float[] chunkStates) {}

    @Override public boolean supports(Device device) { return device instanceof Device.Cpu; }

    @Override public Forward forward(ScanTensors in, boolean wantLastState) {
        ScanShape s = in.shape();
        DType outType = in.u().dtype();
        int[] seqShape = {s.batch(), s.channels(), s.length()};                       // (B, D, L)
        int[] stateShape = {s.batch(), s.channels(), s.state()};                      // (B, D, N)
        if (outType == DType.F64) {
            ScanArgsF64 args = argsF64(in, s);
            SelectiveScanReference.Forward f = SelectiveScanReference.forward(args);
            Tensor last = wantLastState ? CpuArrays.tensor(f.lastState(), DType.F64, stateShape) : null;
            return new Forward(CpuArrays.tensor(f.out(), DType.F64, seqShape), last, args);
        }
        ScanArgs args = argsF32(in, s);
        ScanForward f = fast.forward(args, wantLastState);
        Tensor last = wantLastState ? CpuArrays.tensor(f.lastState(), outType, stateShape) : null;
        return new Forward(CpuArrays.tensor(f.out(), outType, seqShape), last, new SavedF32(args, f.chunkStates()));
    }

    @Override public Tensor[] backward(ScanTensors in, Object saved, Tensor gradOut) {
        Tensor[] inputs = in.toArray();
        Tensor[] grads = new Tensor[inputs.length];
        if (saved instanceof ScanArgsF64 args) {
            ScanGradsF64 g = SelectiveScanReference.backward(args, CpuArrays.doubles(gradOut));
            double[][] arrays = {g.du(), g.ddelta(), g.dA(), g.dB(), g.dC(), g.dDskip(), g.dz(), g.ddeltaBias()};
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i] != null) grads[i] = CpuArrays.tensor(arrays[i], inputs[i].dtype(), inputs[i].shape());
            }
        } else if (saved instanceof SavedF32 f32) {
            ScanGrads g = fast.backward(f32.args(), f32.chunkStates(), CpuArrays.floats(gradOut));
            float[][] arrays = {g.du(), g.ddelta(), g.dA(), g.dB(), g.dC(), g.dDskip(), g.dz(), g.ddeltaBias()};
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i] != null) grads[i] = CpuArrays.tensor(arrays[i], Autocast.gradientType(inputs[i].dtype()), inputs[i].shape());
            }
        } else {
            throw new JmambaException("CpuScanKernels.backward: 'saved' must come from CpuScanKernels.forward, got "
                    + (saved == null ? "null" : saved.getClass().getName()));
        }
        return grads;
    }

    private static ScanArgs argsF32(ScanTensors in, ScanShape s) {
        return new ScanArgs(s, CpuArrays.floats(in.u()), CpuArrays.floats(in.delta()), CpuArrays.floats(in.A()),
                CpuArrays.floats(in.B()), CpuArrays.floats(in.C()), CpuArrays.floats(in.D()), CpuArrays.floats(in.z()),
                CpuArrays.floats(in.deltaBias()), in.softplus());
    }

    private static ScanArgsF64 argsF64(ScanTensors in, ScanShape s) {
        return new ScanArgsF64(s, CpuArrays.doubles(in.u()), CpuArrays.doubles(in.delta()), CpuArrays.doubles(in.A()),
                CpuArrays.doubles(in.B()), CpuArrays.doubles(in.C()), CpuArrays.doubles(in.D()), CpuArrays.doubles(in.z()),
                CpuArrays.doubles(in.deltaBias()), in.softplus());
    }
}
