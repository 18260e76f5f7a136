package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.jmamba.nn.LayerCheck.randn64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Output shapes and float64 gradient checks of every layer on tiny sizes. */
class LayersTest {

    @Test void linearShapeAndGradients() {
        Linear lin = new Linear(3, 4, true, 1);
        assertArrayEquals(new int[] {4, 3}, lin.weight().shape());
        assertArrayEquals(new int[] {2, 5, 4}, lin.forward(Var.of(Tensor.randn(2, 2, 5, 3))).shape());
        LayerCheck.check(lin, randn64(3, 2, 2, 3));
        LayerCheck.check(new Linear(3, 2, false, 4), randn64(5, 4, 3));
    }

    @Test void linearRejectsWrongInputWidth() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Linear(3, 4, true, 1).forward(Var.of(Tensor.zeros(2, 5))));
        assertTrue(e.getMessage().contains("(..., 3)") && e.getMessage().contains("[2, 5]"), e.getMessage());
    }

    @Test void conv1dShapeAndGradients() {
        Conv1d conv = new Conv1d(4, 6, 3, 2, 1, 1, 2, true, 7);
        assertArrayEquals(new int[] {6, 2, 3}, conv.weight().shape());
        assertArrayEquals(new int[] {2, 6, 4}, conv.forward(Var.of(Tensor.randn(1, 2, 4, 8))).shape());
        LayerCheck.check(conv, randn64(8, 2, 4, 7));
    }

    /** out[n, c, l] = bias[c] + Σ_k w[c, 0, k] · x[n, c, l − (K−1) + k], zero for negative positions. */
    @Test void causalDepthwiseConv1dMatchesExplicitLoop() {
        int n = 2, c = 3, len = 6, k = 4;
        Conv1d conv = Conv1d.causalDepthwise(c, k, true, 11);
        conv.to(DType.F64);
        assertArrayEquals(new int[] {c, 1, k}, conv.weight().shape());
        Tensor x = randn64(12, n, c, len);
        double[] xs = x.toDoubleArray(), w = conv.weight().value().toDoubleArray(), b = conv.bias().value().toDoubleArray();
        double[] got = conv.forward(Var.of(x)).value().toDoubleArray();
        assertEquals(n * c * len, got.length);
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int l = 0; l < len; l++) {
                    double s = b[ch];
                    for (int j = 0; j < k; j++) {
                        int src = l - (k - 1) + j;
                        if (src >= 0) s += w[ch * k + j] * xs[(i * c + ch) * len + src];
                    }
                    // F64 sums of 4 products: round-off ~1e-15
                    assertEquals(s, got[(i * c + ch) * len + l], 1e-12, "out[" + i + ", " + ch + ", " + l + "]");
                }
            }
        }
        LayerCheck.check(conv, randn64(13, 1, c, 5));
    }

    @Test void conv2dShapeAndGradients() {
        Conv2d conv = new Conv2d(2, 3, 3, 2, 1, 1, 1, true, 21);
        assertArrayEquals(new int[] {1, 3, 3, 2}, conv.forward(Var.of(Tensor.randn(1, 1, 2, 5, 4))).shape());
        LayerCheck.check(conv, randn64(22, 1, 2, 5, 4));
    }

    @Test void layerNormsShapeAndGradients() {
        LayerNorm ln = new LayerNorm(4);
        ln.weight().set(LayerCheck.randn64(30, 4));   // non-trivial affine so its gradients are exercised
        ln.bias().set(LayerCheck.randn64(31, 4));
        assertArrayEquals(new int[] {2, 3, 4}, ln.forward(Var.of(Tensor.randn(1, 2, 3, 4))).shape());
        LayerCheck.check(ln, randn64(32, 2, 3, 4));

        LayerNorm2d ln2 = new LayerNorm2d(3);
        ln2.weight().set(LayerCheck.randn64(33, 3));
        assertArrayEquals(new int[] {2, 3, 2, 2}, ln2.forward(Var.of(Tensor.randn(1, 2, 3, 2, 2))).shape());
        LayerCheck.check(ln2, randn64(34, 2, 3, 2, 2));

        RMSNorm rms = new RMSNorm(5);
        rms.weight().set(LayerCheck.randn64(35, 5));
        assertArrayEquals(new int[] {3, 5}, rms.forward(Var.of(Tensor.randn(1, 3, 5))).shape());
        LayerCheck.check(rms, randn64(36, 3, 5));
    }

    /** LayerNorm2d must equal LayerNorm applied to the channels-last view. */
    @Test void layerNorm2dIsChannelsLastLayerNorm() {
        LayerNorm2d ln2 = new LayerNorm2d(3, 1e-5);
        LayerNorm ln = new LayerNorm(3, 1e-5, true, true);
        Tensor w = randn64(40, 3), b = randn64(41, 3);
        ln2.to(DType.F64);
        ln.to(DType.F64);
        ln2.weight().set(w); ln2.bias().set(b); ln.weight().set(w); ln.bias().set(b);
        Tensor x = randn64(42, 2, 3, 4, 5);
        Tensor viaLn = ln.forward(Var.of(x.permute(0, 2, 3, 1))).value().permute(0, 3, 1, 2);
        assertEquals(0, ln2.forward(Var.of(x)).value().maxAbsDiff(viaLn), 1e-12);
    }

    @Test void activationsAndIdentity() {
        Tensor x = randn64(50, 2, 3);
        double[] xs = x.toDoubleArray();
        double[] silu = new SiLU().forward(Var.of(x)).value().toDoubleArray();
        double[] sp = new Softplus().forward(Var.of(x)).value().toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            assertEquals(xs[i] / (1 + Math.exp(-xs[i])), silu[i], 1e-12);
            assertEquals(Math.log1p(Math.exp(xs[i])), sp[i], 1e-12);
        }
        LayerCheck.check(new GELU(), randn64(51, 2, 3));
        LayerCheck.check(new GELU(true), randn64(52, 2, 3));
        LayerCheck.check(new SiLU(), randn64(53, 2, 3));
        LayerCheck.check(new Softplus(2, 20), randn64(54, 2, 3));
        Var v = Var.of(x);
        assertTrue(new Identity().forward(v) == v);
    }

    @Test void sequentialChainsAndNamesChildrenByIndex() {
        Sequential seq = new Sequential(new Linear(3, 4, true, 1), new GELU(), new Linear(4, 2, true, 2));
        assertEquals(java.util.List.of("0.weight", "0.bias", "2.weight", "2.bias"), java.util.List.copyOf(seq.namedParameters().keySet()));
        assertArrayEquals(new int[] {5, 2}, seq.forward(Var.of(Tensor.randn(3, 5, 3))).shape());
        LayerCheck.check(seq, randn64(4, 2, 3));
    }
}
