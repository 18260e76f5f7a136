package dev.jmamba.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.GELU;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.Sequential;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What a training step decides on the device, without reading to the host: calling the optimizer
 * step off ({@link Optimizer#gateDeviceStep}), scaling the gradients through the factors
 * ({@link AdamW#scaleGradientsOnDevice}), the global gradient norm and clip factor
 * ({@link GradClip#sumOfSquaresOnDevice}, {@link GradClip#clipCoefficientOnDevice}) and the gated
 * EMA ({@link Ema#updateGated}). Each against the host-decided reference on the CPU.
 */
class DeviceGateTest {
    private static final int BATCH = 8, IN = 6, CLASSES = 3;

    private static Sequential net() {
        return new Sequential(new Linear(IN, 16, true, 21), new GELU(), new Linear(16, CLASSES, true, 22));
    }

    private static void forwardBackward(Sequential net, int s) {
        SplittableRandom random = new SplittableRandom(300 + s);
        double[] x = new double[BATCH * IN];
        for (int i = 0; i < x.length; i++) x[i] = random.nextDouble(-1, 1);
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) y[i] = (i * 7 + s) % CLASSES;
        Losses.crossEntropy(net.forward(Var.of(Tensor.of(x, BATCH, IN).to(DType.F32))), y, 0).backward();
    }

    private static Map<String, double[]> snapshot(Sequential net, Optimizer opt) {
        Map<String, double[]> out = new LinkedHashMap<>();
        net.stateDict().forEach((k, v) -> out.put(k, v.toDoubleArray()));
        opt.stateDict().forEach((k, v) -> { if (!k.contains("step")) out.put("optim." + k, v.toDoubleArray()); });
        return out;
    }

    /** One eager step, then device-factor mode with the next step's factors written (as a training step does). */
    private static AdamW deviceMode(Sequential net) {
        AdamW opt = new AdamW(ParamGroups.noDecayFor(net, 0.05), 1e-2);
        forwardBackward(net, 0);
        opt.step();
        opt.zeroGrad();
        opt.useDeviceFactors();
        opt.writeDeviceFactors();
        return opt;
    }

    @Test
    void aStepCalledOffOnTheDeviceChangesNothingEvenWithNanGradients() {
        Sequential net = net();
        AdamW opt = deviceMode(net);
        forwardBackward(net, 1);
        for (Parameter p : net.parameters()) p.grad().fill(Double.NaN);
        Map<String, double[]> before = snapshot(net, opt);
        opt.gateDeviceStep(Tensor.scalar(0, DType.F64, Device.CPU));
        opt.step();
        opt.zeroGrad();
        Map<String, double[]> after = snapshot(net, opt);
        for (String k : before.keySet()) assertArrayEquals(before.get(k), after.get(k), k);
    }

    @Test
    void aKeptStepIsTheUngatedStepBitForBit() {
        Sequential a = net(), b = net();
        AdamW oa = deviceMode(a), ob = deviceMode(b);
        forwardBackward(a, 1);
        forwardBackward(b, 1);
        oa.gateDeviceStep(Tensor.scalar(1, DType.F32, Device.CPU));
        oa.step();
        ob.step();
        Map<String, double[]> ga = snapshot(a, oa), gb = snapshot(b, ob);
        for (String k : ga.keySet()) assertArrayEquals(gb.get(k), ga.get(k), k);
    }

    @Test
    void scalingThroughTheFactorsIsTheStepOnScaledGradients() {
        double c = 0.37;
        Sequential a = net(), b = net();
        AdamW oa = deviceMode(a), ob = deviceMode(b);
        forwardBackward(a, 2);
        forwardBackward(b, 2);
        oa.scaleGradientsOnDevice(Tensor.scalar(c, DType.F64, Device.CPU));
        oa.step();
        for (Parameter p : b.parameters()) p.grad().copyFrom(p.grad().mul(c));
        ob.step();
        // the same update up to rounding: g·((1−β1)·c) against (g·c)·(1−β1), in float
        Map<String, double[]> ga = snapshot(a, oa), gb = snapshot(b, ob);
        for (String k : ga.keySet()) {
            double[] x = ga.get(k), y = gb.get(k);
            for (int i = 0; i < x.length; i++) assertEquals(y[i], x[i], 1e-6 * Math.max(1, Math.abs(y[i])), k + "[" + i + "]");
        }
        assertFalse(java.util.Arrays.equals(ga.get("0.weight"), snapshot(net(), oa).get("0.weight")), "the step changed the weights");
    }

    @Test
    void normAndClipFactorMatchTheHostClipping() {
        Sequential net = net();
        forwardBackward(net, 3);
        List<Parameter> params = net.parameters();
        Tensor sumSq = GradClip.sumOfSquaresOnDevice(params);
        assertEquals(DType.F64, sumSq.dtype());
        double exact = 0;
        for (Parameter p : params) for (double g : p.grad().toDoubleArray()) exact += g * g;
        assertEquals(exact, sumSq.item(), 1e-6 * exact);   // per-tensor sums in float: relative 1e-6
        double norm = Math.sqrt(exact);
        assertEquals(0.5 * norm / (norm + 1e-6), GradClip.clipCoefficientOnDevice(sumSq, 0.5 * norm).item(), 1e-6);
        assertEquals(1.0, GradClip.clipCoefficientOnDevice(sumSq, 10 * norm).item(), 0.0, "no clipping below the limit");
        assertEquals(0.0, GradClip.clipCoefficientOnDevice(Tensor.scalar(Double.POSITIVE_INFINITY, DType.F64, Device.CPU), 1).item());
        assertTrue(Double.isNaN(GradClip.sumOfSquaresOnDevice(List.of(withGrad(Double.NaN))).item()));
        assertNull(GradClip.sumOfSquaresOnDevice(net().parameters()), "no gradients, no norm");
    }

    private static Parameter withGrad(double value) {
        Sequential n = net();
        forwardBackward(n, 4);
        Parameter p = n.parameters().get(0);
        p.grad().fill(value);
        return p;
    }

    @Test
    void gatedEmaUpdatesLikeUpdateOrNotAtAll() {
        Sequential model = net();
        Ema a = new Ema(model, 0.9), b = new Ema(model, 0.9), c = new Ema(model, 0.9);
        for (Parameter p : model.parameters()) p.value().copyFrom(p.value().mul(1.5));
        a.update(model);
        b.updateGated(model, Tensor.scalar(1, DType.F64, Device.CPU));
        Map<String, Tensor> before = c.stateDict();
        c.updateGated(model, Tensor.scalar(0, DType.F64, Device.CPU));
        for (var e : a.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toDoubleArray(), b.stateDict().get(e.getKey()).toDoubleArray(), e.getKey());
            assertArrayEquals(before.get(e.getKey()).toDoubleArray(), c.stateDict().get(e.getKey()).toDoubleArray(), e.getKey());
        }
        assertFalse(java.util.Arrays.equals(a.stateDict().get("0.weight").toDoubleArray(), before.get("0.weight").toDoubleArray()));
    }

    @Test
    void gatingNeedsDeviceFactorMode() {
        AdamW opt = new AdamW(ParamGroups.all(net(), 0), 1e-3);
        assertThrows(IllegalStateException.class, () -> opt.gateDeviceStep(Tensor.scalar(1, DType.F64, Device.CPU)));
        assertThrows(IllegalStateException.class, () -> opt.scaleGradientsOnDevice(Tensor.scalar(1, DType.F64, Device.CPU)));
    }

    @Test
    void deviceFactorsFromTheFirstStepEqualEagerStepsBitForBit() {
        Sequential a = net(), b = net();
        AdamW oa = new AdamW(ParamGroups.noDecayFor(a, 0.05), 1e-2), ob = new AdamW(ParamGroups.noDecayFor(b, 0.05), 1e-2);
        for (int s = 0; s < 4; s++) {
            forwardBackward(a, s);
            oa.setLr(1e-2 / (s + 1));
            oa.step();
            oa.zeroGrad();
            forwardBackward(b, s);
            if (!ob.usesDeviceFactors()) ob.useDeviceFactorsForGradients();
            ob.setLr(1e-2 / (s + 1));
            ob.writeDeviceFactors();
            ob.step();
            ob.zeroGrad();
        }
        Map<String, double[]> ga = snapshot(a, oa), gb = snapshot(b, ob);
        for (String k : ga.keySet()) assertArrayEquals(ga.get(k), gb.get(k), k);
        assertEquals(oa.stateDict().get("param_step.0.weight").item(), ob.stateDict().get("param_step.0.weight").item());
        Sgd sgd = new Sgd(ParamGroups.all(a, 0), 0.1, 0.9, false);
        forwardBackward(a, 9);
        assertThrows(UnsupportedOperationException.class, sgd::useDeviceFactorsForGradients);
        assertThrows(IllegalStateException.class, () -> new AdamW(ParamGroups.all(net(), 0), 1e-3).useDeviceFactorsForGradients());
    }
}
