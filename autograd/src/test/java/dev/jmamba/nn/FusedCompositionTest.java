package dev.jmamba.nn;

import static dev.jmamba.nn.FusedCompositions.assertAgree;
import static dev.jmamba.nn.FusedCompositions.layerNormComposed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.FusedCompositions.Case;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * On the CPU, each fused node of {@link FusedCompositions#cases} against its composition of elementary Var ops (mean,
 * sub, mul, rsqrt, add, sigmoid, conv2d; not the fused row layer norm the older tests compose with): the output and
 * the gradient of every input, float64 and float32, seeded inputs; and the modules that route to those nodes
 * ({@link LayerNorm2d} on both storages, {@link LayerNorm#forwardChannels} as the hidden-state readout
 * y = LN(h)·C + D·xs) with the gradients of their parameters. Tolerances: {@link FusedCompositions}.
 */
class FusedCompositionTest {

    @Test void everyFusedNodeAgreesWithItsElementaryComposition() {
        long seed = 100;
        for (Case cs : FusedCompositions.cases()) {
            Tensor gy = FusedCompositions.outputGradient(cs, seed++);
            for (DType dt : new DType[] {DType.F64, DType.F32}) {
                Tensor[] fused = FusedCompositions.run(cs.fused(), FusedCompositions.params(cs, dt, Device.CPU), gy);
                Tensor[] composed = FusedCompositions.run(cs.composed(), FusedCompositions.params(cs, dt, Device.CPU), gy);
                assertAgree(cs, dt, composed, fused, cs.name());
            }
        }
    }

    /** LayerNorm2d: the channels-first kernel and the row kernel on channels-last storage, with weight and bias gradients. */
    @Test void layerNorm2dOnBothStoragesAgreesWithTheComposition() { layerNorm2dAgrees(Device.CPU); }

    /**
     * The hidden-state readout y = LN(h)·C + D·xs through {@link LayerNorm#forwardChannels(Var, Var, Var, Var)}: h and
     * xs (B·K, d, L), C (B·K, L), D (K, d) with K = 4 directions, the norm's weight and bias as module parameters.
     */
    @Test void hiddenStateReadoutAgreesWithTheComposition() { readoutAgrees(Device.CPU); }

    /** LayerNorm2d on a device, both storages, F64 and F32: output and the gradients of x, weight and bias. */
    static void layerNorm2dAgrees(Device device) {
        int n = 2, c = 12, h = 5, w = 7;
        Tensor x = LayerCheck.randn64(41, n, c, h, w).mul(2).add(0.7), weight = LayerCheck.randn64(42, c), bias = LayerCheck.randn64(43, c);
        Tensor gy = LayerCheck.randn64(44, n, c, h, w);
        Case names = new Case("LayerNorm2d", null, null, new String[] {"x", "weight", "bias"});
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                LayerNorm2d ln = new LayerNorm2d(c, 1e-6);
                ln.to(dt);
                ln.to(device);
                ln.weight().set(weight.to(dt));
                ln.bias().set(bias.to(dt));
                Tensor input = x.to(dt).to(device);
                if (channelsLast) input = input.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);   // (N, C, H, W) view, C innermost
                Var xf = Var.param(input);
                Var yf = ln.forward(xf);                                                                  // (N, C, H, W)
                assertEquals(device, yf.device(), "LayerNorm2d output device");
                yf.backward(gy.to(dt).to(device));
                Tensor[] fused = cpu(yf.value(), xf.grad(), ln.weight().grad(), ln.bias().grad());

                Var xp = Var.param(x.to(dt).to(device)), wp = Var.param(weight.to(dt).to(device)), bp = Var.param(bias.to(dt).to(device));
                Var yp = layerNormComposed(xp, 1, wp.reshape(1, c, 1, 1), bp.reshape(1, c, 1, 1), 1e-6);
                yp.backward(gy.to(dt).to(device));
                Tensor[] composed = cpu(yp.value(), xp.grad(), wp.grad(), bp.grad());
                assertAgree(names, dt, composed, fused, device + " LayerNorm2d " + (channelsLast ? "channels-last" : "channels-first") + " storage");
            }
        }
    }

    /** The readout on a device, F64 and F32: output and the gradients of h, C, xs, D, weight and bias. */
    static void readoutAgrees(Device device) {
        int b = 2, k = 4, d = 6, l = 9, n = b * k;
        Tensor h = LayerCheck.randn64(51, n, d, l).mul(1.5), cc = LayerCheck.randn64(52, n, l), xs = LayerCheck.randn64(53, n, d, l);
        Tensor dd = LayerCheck.randn64(54, k, d), weight = LayerCheck.randn64(55, d), bias = LayerCheck.randn64(56, d);
        Tensor gy = LayerCheck.randn64(57, n, d, l);
        Case names = new Case("readout", null, null, new String[] {"h", "C", "xs", "D", "weight", "bias"});
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            LayerNorm norm = new LayerNorm(d);
            norm.to(dt);
            norm.to(device);
            norm.weight().set(weight.to(dt));
            norm.bias().set(bias.to(dt));
            Var[] f = {on(h, dt, device), on(cc, dt, device), on(xs, dt, device), on(dd, dt, device)};
            Var yf = norm.forwardChannels(f[0], f[1], f[2], f[3]);
            assertEquals(device, yf.device(), "readout output device");
            yf.backward(gy.to(dt).to(device));
            Tensor[] fused = cpu(yf.value(), f[0].grad(), f[1].grad(), f[2].grad(), f[3].grad(), norm.weight().grad(), norm.bias().grad());

            Var[] p = {on(h, dt, device), on(cc, dt, device), on(xs, dt, device), on(dd, dt, device), on(weight, dt, device), on(bias, dt, device)};
            Var yp = layerNormComposed(p[0], 1, p[4].reshape(1, d, 1), p[5].reshape(1, d, 1), 1e-5).mul(p[1].unsqueeze(1))
                    .add(p[2].reshape(b, k, d, l).mul(p[3].reshape(1, k, d, 1)).reshape(n, d, l));
            yp.backward(gy.to(dt).to(device));
            Tensor[] composed = cpu(yp.value(), p[0].grad(), p[1].grad(), p[2].grad(), p[3].grad(), p[4].grad(), p[5].grad());
            assertAgree(names, dt, composed, fused, device + " LayerNorm.forwardChannels readout");
        }
    }

    private static Var on(Tensor t, DType dt, Device device) { return Var.param(t.to(dt).to(device)); }

    private static Tensor[] cpu(Tensor... ts) {
        Tensor[] r = new Tensor[ts.length];
        for (int i = 0; i < ts.length; i++) r[i] = ts[i].to(Device.CPU);
        return r;
    }
}
