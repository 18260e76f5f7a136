package dev.jmamba.autograd;

import static dev.jmamba.autograd.AutocastTest.absMatmul;
import static dev.jmamba.autograd.AutocastTest.assertClose;
import static dev.jmamba.autograd.AutocastTest.bf16;
import static dev.jmamba.autograd.AutocastTest.matmul;
import static dev.jmamba.autograd.AutocastTest.t;
import static dev.jmamba.autograd.AutocastTest.transpose;
import static dev.jmamba.autograd.AutocastTest.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

/**
 * {@code Var.matmulAfter(act, bias, w)} — an MLP's fc2 after fc1's bias and GELU — on the CPU (the reference of the
 * GPU path) against float64 loops over the bf16-rounded values it is defined on: pre = bf16(x + b) (a float32 add,
 * rounded), a = bf16(gelu(pre)), y = a @ bf16(w). Products: bound (k + 2)·2⁻²⁴·Σ|terms| (AutocastTest's reasoning: bf16
 * products are exact in float32, only the k-term summation rounds). Outside autocast the op must be exactly the
 * bias add followed by {@code matmulAfter(act, w)}.
 */
class AutocastMlpTest {

    @Test void underAutocastTheBiasedActivationIsOneBf16PassAndOnlyItsInputIsKept() {
        int rows = 6, n = 16, out = 4;
        double[] x = values(rows * n), b = values(n), w = values(n * out), gy = values(rows * out);
        Var vx = Var.of(t(x, rows, n)).requiresGrad(true), vb = Var.of(t(b, n)).requiresGrad(true);
        Var vw = Var.of(t(w, n, out)).requiresGrad(true);
        Var y;
        try (var scope = Autocast.bf16()) {
            y = vx.matmulAfter(UnaryOp.GELU, vb, vw);
        }
        double[] pre = new double[rows * n], a = new double[rows * n];
        for (int i = 0; i < pre.length; i++) {
            pre[i] = DType.fromBf16(DType.toBf16((float) x[i] + (float) b[i % n]));
            a[i] = DType.fromBf16(DType.toBf16((float) UnaryOp.GELU.apply(pre[i], 0, 0)));
        }
        double[] wr = bf16(w), gr = bf16(gy);
        assertClose(matmul(a, wr, rows, n, out), absMatmul(a, wr, rows, n, out), n, y.value().toDoubleArray(), "forward");
        for (Tensor saved : y.node.saved) if (saved != null) assertEquals(DType.BF16, saved.dtype(), "keeps bf16 pre and w only");
        y.backward(t(gy, rows, out));
        // dw = aᵀ · round(gy), with a recomputed from the kept pre (the forward's exact values)
        double[] at = transpose(a, rows, n);
        assertClose(matmul(at, gr, n, rows, out), absMatmul(at, gr, n, rows, out), rows, vw.grad().toDoubleArray(), "dw");
        // dx = dpre = (round(gy) · round(w)ᵀ) · gelu'(pre): the product's bound times |gelu'|, plus the float rounding of dpre
        double[] wt = transpose(wr, n, out), gh = matmul(gr, wt, rows, out, n), ghBound = absMatmul(gr, wt, rows, out, n);
        double[] dx = vx.grad().toDoubleArray(), db = vb.grad().toDoubleArray();
        double[] dbWant = new double[n], dbTol = new double[n];
        for (int i = 0; i < dx.length; i++) {
            double d = UnaryOp.GELU.derivative(pre[i], 0, 0), want = d * gh[i];
            double tol = (out + 2) * 0x1p-24 * Math.abs(d) * ghBound[i] + 0x1p-24 * Math.abs(want) + 1e-30;
            assertTrue(Math.abs(want - dx[i]) <= tol, "dx " + i + ": " + want + " vs " + dx[i]);
            dbWant[i % n] += want;
            dbTol[i % n] += tol + rows * 0x1p-24 * Math.abs(want);
        }
        for (int j = 0; j < n; j++) assertTrue(Math.abs(dbWant[j] - db[j]) <= dbTol[j], "dbias " + j + ": " + dbWant[j] + " vs " + db[j]);
        assertEquals(DType.F32, vx.grad().dtype());
        assertEquals(DType.F32, vb.grad().dtype());
    }

    @Test void withoutAutocastItIsTheBiasAddThenMatmulAfter() {
        double[] x = values(5 * 8), b = values(8), w = values(8 * 3), gy = values(5 * 3);
        Var[] fused = {Var.of(t(x, 5, 8)).requiresGrad(true), Var.of(t(b, 8)).requiresGrad(true), Var.of(t(w, 8, 3)).requiresGrad(true)};
        Var[] plain = {Var.of(t(x, 5, 8)).requiresGrad(true), Var.of(t(b, 8)).requiresGrad(true), Var.of(t(w, 8, 3)).requiresGrad(true)};
        Var yf = fused[0].matmulAfter(UnaryOp.GELU, fused[1], fused[2]);
        Var yp = plain[0].add(plain[1]).matmulAfter(UnaryOp.GELU, plain[2]);
        assertArrayEquals(yp.value().toDoubleArray(), yf.value().toDoubleArray());
        yf.backward(t(gy, 5, 3));
        yp.backward(t(gy, 5, 3));
        for (int i = 0; i < 3; i++) assertArrayEquals(plain[i].grad().toDoubleArray(), fused[i].grad().toDoubleArray(), "grad " + i);
    }
    /**
     * Under autocast the fused node equals its composition of elementary Var ops — the bias add, a cast to bf16, the
     * activation in float64, casts to float32 and bf16, the autocast product — on y and on the gradients of x, bias and
     * w, for GELU and SiLU and a Linear's transposed (out, n) weight: the same roundings in the same order (pre rounded
     * once; the activation in double rounded to float32 and then to bf16, as the fused kernel's reference; the same bf16
     * operands of each product; the activation's gradient gy·act'(pre) in double rounded once to float32), so bit for
     * bit. The activation runs in float64 because float32 GELU and SiLU on the CPU take the SIMD approximations
     * (VectorMathSimd, within 4.6e-7 of the double values), which the fused op does not.
     */
    @Test void underAutocastItIsItsElementaryComposition() {
        int lead0 = 3, lead1 = 4, n = 12, out = 5;
        double[] x = values(lead0 * lead1 * n), b = values(n), w = values(out * n), gy = values(lead0 * lead1 * out);
        for (UnaryOp act : new UnaryOp[] {UnaryOp.GELU, UnaryOp.SILU}) {
            Var[] fused = {Var.of(t(x, lead0, lead1, n)).requiresGrad(true), Var.of(t(b, n)).requiresGrad(true), Var.of(t(w, out, n)).requiresGrad(true)};
            Var[] plain = {Var.of(t(x, lead0, lead1, n)).requiresGrad(true), Var.of(t(b, n)).requiresGrad(true), Var.of(t(w, out, n)).requiresGrad(true)};
            Var yf, yp;
            try (var scope = Autocast.bf16()) {
                yf = fused[0].matmulAfter(act, fused[1], fused[2].transpose(0, 1));                        // (lead0, lead1, out)
                Var pre = plain[0].add(plain[1]).to(DType.BF16).to(DType.F64);                              // bf16(x + b), widened
                Var a = (act == UnaryOp.GELU ? pre.gelu() : pre.silu()).to(DType.F32).to(DType.BF16);        // bf16(float(act(pre)))
                yp = a.matmul(plain[2].transpose(0, 1));                                                     // lowered: bf16 operands
            }
            assertArrayEquals(yp.value().toFloatArray(), yf.value().toFloatArray(), act + ": y");
            yf.backward(t(gy, lead0, lead1, out));
            yp.backward(t(gy, lead0, lead1, out));
            String[] names = {"dx", "dbias", "dw"};
            for (int i = 0; i < 3; i++) {
                assertEquals(DType.F32, fused[i].grad().dtype(), act + ": " + names[i] + " dtype");
                assertArrayEquals(plain[i].grad().toFloatArray(), fused[i].grad().toFloatArray(), act + ": " + names[i]);
            }
        }
    }
}
