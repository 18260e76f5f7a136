package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

/**
 * The float32 vector GELU ({@link VectorMathSimd#gelu}, {@link VectorMathSimd#geluDerivative}, reached through
 * {@code Tensor.unary(GELU)} and {@code Backend.unaryGrad(GELU)} on contiguous float32 tensors) against the float64
 * reference {@link UnaryOp#apply} / {@link UnaryOp#derivative} (the Maclaurin / continued-fraction erf), every
 * float32 input on a dense grid over [−12, 12] and both tails.
 *
 * <p>Tolerances. Abramowitz–Stegun 7.1.26 bounds the erfc error by 1.5e-7 absolute, so Φ = ½erfc is off by at most
 * 7.5e-8; the float evaluation (a division, five fma, exp within 1 ulp, three products, 1 − q) adds at most ~8 ulp of
 * Φ's terms (≤ 1): 8·2⁻²⁴ ≈ 4.8e-7 relative of q ≤ ½, and one rounding of 1 − q (6e-8). So |ΔΦ| ≤ 4e-7. GELU = x·Φ:
 * 4e-7·|x| plus one rounding (6e-8 relative). The derivative Φ + x·φ adds the x·φ term's own roundings (≤ 4 ulp of
 * x·φ ≤ 0.25): 4.6e-7·|gy| absolute, and the product with gy one more rounding. The measured worst ratios are
 * printed (about 0.6 of these bounds).
 */
class GeluSimdTest {
    @Test
    void vectorGeluAndItsDerivativeMatchTheFloat64Reference() {
        assumeTrue(SimdSupport.ENABLED, "Vector API not loaded");
        int n = 480_007;                          // not a multiple of the lane count: the scalar tail runs too
        double[] x = new double[n], gy = new double[n];
        java.util.Random r = new java.util.Random(17);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-12 + 24.0 * i / n);
            gy[i] = (float) (2 * r.nextDouble() - 1);
        }
        Tensor tx = Tensor.of(x, n).to(DType.F32), tg = Tensor.of(gy, n).to(DType.F32);
        double[] fwd = tx.unary(UnaryOp.GELU, 0, 0).toDoubleArray();
        double[] bwd = tx.backend().unaryGrad(UnaryOp.GELU, tx, tg, 0, 0).toDoubleArray();
        double worstF = 0, worstB = 0;
        for (int i = 0; i < n; i++) {
            double wantF = UnaryOp.GELU.apply(x[i], 0, 0);
            double errF = Math.abs(fwd[i] - wantF), boundF = 4e-7 * Math.abs(x[i]) + 6e-8 * Math.abs(wantF) + 1e-30;
            assertTrue(errF <= boundF, "gelu(" + x[i] + ") = " + fwd[i] + ", want " + wantF);
            worstF = Math.max(worstF, errF / boundF);
            double wantB = gy[i] * UnaryOp.GELU.derivative(x[i], 0, 0);
            double errB = Math.abs(bwd[i] - wantB), boundB = 4.6e-7 * Math.abs(gy[i]) + 6e-8 * Math.abs(wantB) + 1e-30;
            assertTrue(errB <= boundB, "gy·gelu'(" + x[i] + ") = " + bwd[i] + ", want " + wantB);
            worstB = Math.max(worstB, errB / boundB);
        }
        System.out.printf("GeluSimdTest: worst error / bound: forward %.3f, backward %.3f%n", worstF, worstB);
    }

    /** A permuted (channels-last read as channels-first) input is copied and run in lanes: the same bits as its contiguous copy. */
    @Test
    void stridedInputsGiveTheContiguousResult() {
        Tensor nhwc = Tensor.randn(3, 4, 14, 14, 16).mul(3);                  // randn(seed, shape…)
        Tensor nchw = nhwc.permute(0, 3, 1, 2);                               // (4, 16, 14, 14), inner stride 16
        for (UnaryOp op : new UnaryOp[] {UnaryOp.GELU, UnaryOp.EXP, UnaryOp.SILU, UnaryOp.SIGMOID}) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(nchw.contiguous().unary(op, 0, 0).toFloatArray(),
                    nchw.unary(op, 0, 0).toFloatArray(), op.name());
        }
    }
}
