package dev.jmamba.autograd;

import static dev.jmamba.autograd.AutocastTest.absMatmul;
import static dev.jmamba.autograd.AutocastTest.bf16;
import static dev.jmamba.autograd.AutocastTest.matmul;
import static dev.jmamba.autograd.AutocastTest.transpose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code Var.matmulAfter(act, bias, w)} under autocast on CUDA device 0 — an MLP's fc2 after fc1's bias and activation,
 * the {@code bias_act_f32_bf16} kernel, cuBLAS's bf16 product and {@code act_grad_bf16} — against float64 loops over
 * the values it is defined on (as {@link AutocastMlpTest} on the CPU): pre = bf16(x + b) (one float32 add, the same
 * bits on every device), a = bf16(act(pre)), y = a @ bf16(w); dw = aᵀ · bf16(gy), dx = (bf16(gy) · bf16(w)ᵀ) · act'(pre),
 * dbias = Σ_rows dx. w is a Linear's (out, n) weight used transposed, as {@link dev.jmamba.nn.Linear#forwardAfter}.
 *
 * <p>Tolerances, per element, from these bounds. a: the GPU's float activation rounds to a neighbouring bf16 value
 * near a rounding boundary (BiasActivationBf16GpuTest), so |Δa| ≤ da = 2⁻⁷|a| + 2⁻²³·max(1, |pre|) (one bf16 step of
 * the larger neighbour; the absolute term for GELU's far tail). Products of bf16 values are exact in float32 and a
 * float32 accumulation of k of them errs by ≤ (k + 2)·2⁻²³·Σ|terms| (2⁻²³ rather than 2⁻²⁴: a tensor-core adder may
 * truncate). y: Σ da·|w| + (n + 2)·2⁻²³·Σ(|a| + da)·|w|; dw likewise over the rows; gh = bf16(gy)·bf16(w)ᵀ within
 * (out + 2)·2⁻²³·Σ|terms|; dx = gh·act'(pre) with the derivative in float: |act'|·Δgh + 2⁻¹⁹·|gh|·max(1, |act'|) +
 * 2⁻²³·|dx| (BiasActivationBf16GpuTest's bound); dbias: the sum of the dx bounds plus rows·2⁻²³·Σ|dx| for the
 * float32 column sum.
 */
@Tag("gpu")
class AutocastMlpGpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
    }

    @Test void biasActivationProductAndItsGradientsMatchTheFloat64Formulas() {
        long seed = 7;
        // (lead0, lead1, n, out): a vector path (n a multiple of 4, ViT-like rows) and a scalar one
        for (int[] s : new int[][] {{2, 50, 64, 32}, {3, 7, 13, 5}}) {
            for (UnaryOp act : new UnaryOp[] {UnaryOp.GELU, UnaryOp.SILU}) check(act, s[0], s[1], s[2], s[3], seed++);
        }
    }

    private static double[] floats(Random r, int count, double scale) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) v[i] = (float) (scale * r.nextGaussian());
        return v;
    }

    private static double[] abs(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = Math.abs(v[i]);
        return r;
    }

    private static void check(UnaryOp act, int lead0, int lead1, int n, int out, long seed) {
        int rows = lead0 * lead1;
        String what = act + " (" + lead0 + ", " + lead1 + ", " + n + ") → " + out;
        Random r = new Random(seed);
        double[] x = floats(r, rows * n, 2), b = floats(r, n, 1), w = floats(r, out * n, 0.3), gy = floats(r, rows * out, 1);
        Var vx = Var.param(Tensor.of(x, lead0, lead1, n).to(DType.F32).to(GPU));
        Var vb = Var.param(Tensor.of(b, n).to(DType.F32).to(GPU));
        Var vw = Var.param(Tensor.of(w, out, n).to(DType.F32).to(GPU));                 // (out, n), used as (n, out)
        Var y;
        try (var scope = Autocast.bf16()) {
            y = vx.matmulAfter(act, vb, vw.transpose(0, 1));                             // (lead0, lead1, out)
        }
        assertEquals(GPU, y.device(), what);
        assertEquals(DType.F32, y.dtype(), what);
        y.backward(Tensor.of(gy, lead0, lead1, out).to(DType.F32).to(GPU));

        double[] pre = new double[rows * n], a = new double[rows * n], da = new double[rows * n];
        for (int i = 0; i < pre.length; i++) {
            pre[i] = DType.fromBf16(DType.toBf16((float) x[i] + (float) b[i % n]));
            a[i] = DType.fromBf16(DType.toBf16((float) act.apply(pre[i], 0, 0)));
            da[i] = 0x1p-7 * Math.abs(a[i]) + 0x1p-23 * Math.max(1, Math.abs(pre[i]));
        }
        double[] aWide = new double[a.length];
        for (int i = 0; i < a.length; i++) aWide[i] = Math.abs(a[i]) + da[i];
        double[] wr = bf16(transpose(w, out, n)), wAbs = abs(wr), gr = bf16(gy), gAbs = abs(gr);   // wr (n, out)

        // y (rows, out)
        double[] yWant = matmul(a, wr, rows, n, out), yStep = absMatmul(da, wAbs, rows, n, out), ySum = absMatmul(aWide, wAbs, rows, n, out);
        double[] yGot = y.value().to(Device.CPU).toDoubleArray();
        for (int i = 0; i < yWant.length; i++) within(yWant[i], yGot[i], yStep[i] + (n + 2) * 0x1p-23 * ySum[i], what + ": y " + i);

        // dw: the (out, n) gradient of the weight, aᵀ · gr transposed
        double[] at = transpose(a, rows, n), dat = transpose(da, rows, n), aWideT = transpose(aWide, rows, n);
        double[] dwWant = transpose(matmul(at, gr, n, rows, out), n, out);
        double[] dwStep = transpose(absMatmul(dat, gAbs, n, rows, out), n, out), dwSum = transpose(absMatmul(aWideT, gAbs, n, rows, out), n, out);
        double[] dwGot = vw.grad().to(Device.CPU).toDoubleArray();
        for (int i = 0; i < dwWant.length; i++) within(dwWant[i], dwGot[i], dwStep[i] + (rows + 2) * 0x1p-23 * dwSum[i], what + ": dw " + i);

        // dx (rows, n) and dbias (n)
        double[] wrT = transpose(wr, n, out), gh = matmul(gr, wrT, rows, out, n), ghSum = absMatmul(gAbs, abs(wrT), rows, out, n);
        double[] dxGot = vx.grad().to(Device.CPU).toDoubleArray(), dbGot = vb.grad().to(Device.CPU).toDoubleArray();
        double[] dbWant = new double[n], dbTol = new double[n], dbAbs = new double[n];
        for (int i = 0; i < gh.length; i++) {
            double d = act.derivative(pre[i], 0, 0), want = d * gh[i], ghErr = (out + 2) * 0x1p-23 * ghSum[i];
            double tol = Math.abs(d) * ghErr + 0x1p-19 * (Math.abs(gh[i]) + ghErr) * Math.max(1, Math.abs(d)) + 0x1p-23 * Math.abs(want) + 1e-30;
            within(want, dxGot[i], tol, what + ": dx " + i);
            dbWant[i % n] += want;
            dbTol[i % n] += tol;
            dbAbs[i % n] += Math.abs(want);
        }
        for (int j = 0; j < n; j++) within(dbWant[j], dbGot[j], dbTol[j] + rows * 0x1p-23 * dbAbs[j] + 1e-30, what + ": dbias " + j);
        assertEquals(DType.F32, vx.grad().dtype(), what);
        assertEquals(DType.F32, vb.grad().dtype(), what);
        assertEquals(DType.F32, vw.grad().dtype(), what);
    }

    private static void within(double want, double got, double tol, String what) {
        assertTrue(Math.abs(want - got) <= tol, () -> what + ": want " + want + ", got " + got + " (tolerance " + tol + ")");
    }
}
