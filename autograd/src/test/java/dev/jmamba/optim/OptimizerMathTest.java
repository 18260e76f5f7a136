package dev.jmamba.optim;

import dev.jmamba.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * One or two optimizer steps on F64 parameters against the update formulas written out in plain
 * doubles. Tolerance 1e-14: the same F64 operations in a slightly different order.
 */
class OptimizerMathTest {
    private static final double TOL = 1e-14;
    private static final double[] A0 = {0.5, -1.25, 2.0}, B0 = {0.3, -0.7};
    private static final double[] GA1 = {0.1, -0.2, 0.3}, GB1 = {1.5, -0.5};
    private static final double[] GA2 = {-0.4, 0.05, 0.25}, GB2 = {0.2, 0.9};

    /** Groups: "a" decayed with wd and lr scale 1; "b" not decayed and lr scale 0.5. */
    private static List<ParamGroup> groups(Scalars m, double wd) {
        return List.of(new ParamGroup(Map.of("a", m.a), 1, wd), new ParamGroup(Map.of("b", m.b), 0.5, 0));
    }

    @Test void sgdMomentumWithWeightDecay() {
        double lr = 0.1, mu = 0.9, wd = 0.01;
        Scalars m = new Scalars(A0, B0);
        Sgd sgd = new Sgd(groups(m, wd), lr, mu, false);
        double[] a = A0.clone(), bufA = new double[3], b = B0.clone(), bufB = new double[2];
        double[][] ga = {GA1, GA2}, gb = {GB1, GB2};
        for (int step = 0; step < 2; step++) {
            m.setGrads(ga[step], gb[step]);
            sgd.step();
            for (int i = 0; i < 3; i++) {
                double d = ga[step][i] + wd * a[i];
                bufA[i] = mu * bufA[i] + d;     // step 1: buf = d
                a[i] -= lr * bufA[i];
            }
            for (int i = 0; i < 2; i++) {
                bufB[i] = mu * bufB[i] + gb[step][i];
                b[i] -= 0.5 * lr * bufB[i];
            }
            assertArrayEquals(a, m.a.value().toDoubleArray(), TOL, "a after step " + (step + 1));
            assertArrayEquals(b, m.b.value().toDoubleArray(), TOL, "b after step " + (step + 1));
        }
    }

    @Test void sgdNesterov() {
        double lr = 0.05, mu = 0.8, wd = 0.1;
        Scalars m = new Scalars(A0, B0);
        Sgd sgd = new Sgd(groups(m, wd), lr, mu, true);
        double[] a = A0.clone(), buf = new double[3];
        double[][] ga = {GA1, GA2}, gb = {GB1, GB2};
        for (int step = 0; step < 2; step++) {
            m.setGrads(ga[step], gb[step]);
            sgd.step();
            for (int i = 0; i < 3; i++) {
                double d = ga[step][i] + wd * a[i];
                buf[i] = mu * buf[i] + d;
                a[i] -= lr * (d + mu * buf[i]);
            }
            assertArrayEquals(a, m.a.value().toDoubleArray(), TOL, "a after step " + (step + 1));
        }
    }

    @Test void adamWTwoStepsWithBiasCorrectionAndDecoupledDecay() {
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
        Scalars m = new Scalars(A0, B0);
        AdamW opt = new AdamW(groups(m, wd), lr, b1, b2, eps);
        double[] a = A0.clone(), ma = new double[3], va = new double[3];
        double[] b = B0.clone(), mb = new double[2], vb = new double[2];
        double[][] ga = {GA1, GA2}, gb = {GB1, GB2};
        for (int t = 1; t <= 2; t++) {
            m.setGrads(ga[t - 1], gb[t - 1]);
            opt.step();
            double c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
            for (int i = 0; i < 3; i++) {
                double g = ga[t - 1][i];
                a[i] *= 1 - lr * wd;                       // decoupled decay before the Adam update
                ma[i] = b1 * ma[i] + (1 - b1) * g;
                va[i] = b2 * va[i] + (1 - b2) * g * g;
                a[i] -= lr / c1 * ma[i] / (Math.sqrt(va[i]) / Math.sqrt(c2) + eps);
            }
            double lrB = 0.5 * lr;                          // group lr scale, no decay
            for (int i = 0; i < 2; i++) {
                double g = gb[t - 1][i];
                mb[i] = b1 * mb[i] + (1 - b1) * g;
                vb[i] = b2 * vb[i] + (1 - b2) * g * g;
                b[i] -= lrB / c1 * mb[i] / (Math.sqrt(vb[i]) / Math.sqrt(c2) + eps);
            }
            assertArrayEquals(a, m.a.value().toDoubleArray(), TOL, "a after step " + t);
            assertArrayEquals(b, m.b.value().toDoubleArray(), TOL, "b after step " + t);
        }
        assertArrayEquals(ma, opt.stateDict().get("exp_avg.a").toDoubleArray(), TOL);
        assertArrayEquals(vb, opt.stateDict().get("exp_avg_sq.b").toDoubleArray(), TOL);
    }

    @Test void parametersWithoutGradientAreSkipped() {
        Scalars m = new Scalars(A0, B0);
        AdamW opt = new AdamW(List.of(ParamGroup.of(new LinkedHashMap<String, Parameter>(m.namedParameters()), 0.1)), 0.1);
        m.zeroGrad();
        opt.step();
        assertArrayEquals(A0, m.a.value().toDoubleArray(), 0);
    }
}
