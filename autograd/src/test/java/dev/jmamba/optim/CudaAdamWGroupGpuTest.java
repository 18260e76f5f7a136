package dev.jmamba.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.Sequential;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Profile;
import dev.jmamba.tensor.Profiler;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * AdamW's grouped step on CUDA (Backend.adamwUpdateList: up to 64 tensors and 8 host factor sets per
 * adamw_update_list launch) against the same optimizer on the CPU (one adamwUpdate per parameter), bit for bit:
 * 82 parameters (more than one launch) in 10 groups with different lr scales and weight decays (more factor sets
 * than one launch holds), one parameter without a gradient in the first step (its update count lags, another
 * factor set), eager steps and then device-factor steps (the form a replayed CUDA graph runs), F32 and F64.
 * Gradients are exact (the loss Σ p·r has gradient r), so both devices update from the same bits.
 *
 * <p>Tolerance 0: the list kernel runs the per-tensor kernel's element-wise operations (correctly rounded, never
 * contracted), which round exactly as the CPU backend.
 */
@Tag("gpu")
class CudaAdamWGroupGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final int LAYERS = 41, GROUPS = 10, EAGER = 3, STEPS = 6;

    @BeforeEach void needsGpu() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
    }

    private static Sequential net(DType dtype) {
        Layer[] layers = new Layer[LAYERS];
        for (int i = 0; i < LAYERS; i++) layers[i] = new Linear(3 + i % 5, 2 + (i * 7) % 300, true, 100 + i);
        return (Sequential) new Sequential(layers).to(dtype);
    }

    private static AdamW optimizer(Sequential net) {
        List<Map<String, Parameter>> split = new ArrayList<>();
        for (int g = 0; g < GROUPS; g++) split.add(new LinkedHashMap<>());
        int i = 0;
        for (var e : net.namedParameters().entrySet()) split.get(i++ % GROUPS).put(e.getKey(), e.getValue());
        List<ParamGroup> groups = new ArrayList<>();
        for (int g = 0; g < GROUPS; g++) groups.add(new ParamGroup(split.get(g), 1.0 + 0.25 * g, g % 3 == 0 ? 0 : 0.01 * g));
        return new AdamW(groups, 3e-3);
    }

    /** Trains net on {@code device}; returns parameters and optimizer state on the CPU. */
    private static Map<String, Tensor> train(DType dtype, Device device) {
        Sequential net = net(dtype);
        net.to(device);
        AdamW opt = optimizer(net);
        for (int s = 0; s < STEPS; s++) {
            if (s == EAGER) opt.useDeviceFactors();
            if (opt.usesDeviceFactors()) opt.writeDeviceFactors();
            Var loss = null;
            int i = 0;
            for (var e : net.namedParameters().entrySet()) {
                // from step EAGER - 1 on every parameter has a gradient (device-factor mode updates the same ones each step)
                if (s == 0 && i++ == 5) continue;
                Tensor r = Tensor.random(RandomKind.UNIFORM, 1000L * s + e.getKey().hashCode(), -1, 1, dtype, device, e.getValue().value().shape());
                Var term = e.getValue().var().mul(Var.of(r)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            loss.backward();
            opt.step();
            opt.zeroGrad();
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        net.stateDict().forEach((k, v) -> out.put(k, v.to(Device.CPU)));
        opt.stateDict().forEach((k, v) -> out.put("optim." + k, v.to(Device.CPU)));
        return out;
    }

    @Test void groupedStepsEqualTheCpuBitForBit() {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            Map<String, Tensor> cpu = train(dtype, Device.CPU), gpu = train(dtype, GPU);
            assertEquals(cpu.keySet(), gpu.keySet());
            for (String key : cpu.keySet()) assertArrayEquals(cpu.get(key).toDoubleArray(), gpu.get(key).toDoubleArray(), dtype + " " + key);
        }
    }

    @Test void aStepIsAFewLaunchesNotOnePerParameter() {
        Sequential net = net(DType.F32);
        net.to(GPU);
        AdamW opt = optimizer(net);
        for (Parameter p : net.namedParameters().values()) p.var().sum().backward();
        Profiler.start();
        Profile profile;
        try {
            opt.step();
        } finally {
            profile = Profiler.stop();
        }
        assertEquals(null, profile.entry("adamw_update"), "no per-parameter launches");
        assertEquals(1, profile.entry("adamw_update_list").calls(), "one backend call for the device");
    }
}
