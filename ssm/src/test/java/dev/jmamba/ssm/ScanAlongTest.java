package dev.jmamba.ssm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SelectiveScan#scanAlong} (CPU): against its definition written out with elementary ops — per group, index every
 * sequence input into the group's path order, {@link SelectiveScan#scan}, index the output back — for the output and
 * every gradient; a float64 finite-difference check; a shared u; the checks of the arguments.
 */
class ScanAlongTest {

    /** G random permutations of 0 .. L-1 (seeded), the first the identity and the second the reverse when G > 1. */
    static List<int[]> paths(long seed, int g, int l) {
        SplittableRandom r = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int k = 0; k < g; k++) {
            int[] p = new int[l];
            for (int i = 0; i < l; i++) p[i] = k == 1 ? l - 1 - i : i;
            if (k >= 2) {
                for (int i = l - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1), t = p[i];
                    p[i] = p[j];
                    p[j] = t;
                }
            }
            out.add(p);
        }
        return out;
    }

    /** The definition: per group g, gather u, delta, z, B_g, C_g along L by path g, scan group g alone, scatter back. */
    static Var composed(List<int[]> paths, boolean shared, Var[] v) {
        int g = paths.size(), b = v[1].size(0), d = v[1].size(1), l = v[1].size(2), per = d / g;
        Var[] outs = new Var[g];
        for (int k = 0; k < g; k++) {
            int[] p = paths.get(k), inv = new int[l];
            for (int i = 0; i < l; i++) inv[p[i]] = i;
            Tensor idx = Tensor.of(p, l), back = Tensor.of(inv, l);
            Var u = (shared ? v[0] : v[0].narrow(1, k * per, per)).indexSelect(2, idx);
            Var delta = v[1].narrow(1, k * per, per).indexSelect(2, idx);
            Var bk = v[3].narrow(1, k, 1).indexSelect(3, idx), ck = v[4].narrow(1, k, 1).indexSelect(3, idx);
            Var z = v[6] == null ? null : v[6].narrow(1, k * per, per).indexSelect(2, idx);
            Var out = SelectiveScan.scan(u, delta, v[2].narrow(0, k * per, per), bk, ck,
                    v[5] == null ? null : v[5].narrow(0, k * per, per), z, v[7] == null ? null : v[7].narrow(0, k * per, per), true);
            outs[k] = out.indexSelect(2, back);
        }
        return Var.cat(1, outs);
    }

    private static Tensor[] inputs(long seed, int b, int d, int l, int n, int g, boolean shared) {
        Tensor[] in = SelectiveScanOpTest.inputs(seed, b, d, l, n, g);
        if (shared) in[0] = in[0].narrow(1, 0, d / g).contiguous();
        return in;
    }

    private static void assertClose(Tensor want, Tensor got, double tol, String what) {
        double[] a = want.toDoubleArray(), c = got.toDoubleArray();
        assertEquals(a.length, c.length, what);
        for (int i = 0; i < a.length; i++) assertEquals(a[i], c[i], tol * (1 + Math.abs(a[i])), what + " at " + i);
    }

    /** Output and every gradient of scanAlong against the composition, float64 (the same reference kernel runs both). */
    private static void matchesComposition(long seed, int b, int d, int l, int n, int g, boolean shared) {
        Tensor[] in = inputs(seed, b, d, l, n, g, shared);
        List<int[]> p = paths(seed, g, l);
        ScanPaths paths = ScanPaths.of(p, shared);
        Tensor gy = SelectiveScanOpTest.gaussian(new SplittableRandom(seed + 99), 1, b, d, l);
        Var[] va = vars(in), vb = vars(in);
        Var ya = SelectiveScan.scanAlong(paths, va[0], va[1], va[2], va[3], va[4], va[5], va[6], va[7], true);
        Var yb = composed(p, shared, vb);
        assertClose(yb.value(), ya.value(), 1e-12, "out");
        ya.backward(gy);
        yb.backward(gy);
        String[] names = {"u", "delta", "A", "B", "C", "D", "z", "deltaBias"};
        for (int i = 0; i < 8; i++) assertClose(vb[i].grad(), va[i].grad(), 1e-10, "d" + names[i]);
    }

    private static Var[] vars(Tensor[] in) {
        Var[] v = new Var[in.length];
        for (int i = 0; i < in.length; i++) v[i] = Var.param(in[i].copy());
        return v;
    }

    @Test void matchesGatherScanScatterForEveryInput() {
        matchesComposition(1, 2, 6, 7, 3, 3, false);   // identity, reverse and a random path
    }

    @Test void sharedInputMatchesGatherScanScatterAndSumsTheGroupsGradients() {
        matchesComposition(2, 2, 8, 9, 1, 4, true);
    }

    @Test void finiteDifferencesOfEveryInput() {
        List<int[]> p = paths(3, 2, 5);
        GradCheck.check(v -> SelectiveScan.scanAlong(ScanPaths.of(p, false), v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], true),
                inputs(3, 2, 4, 5, 2, 2, false));
        GradCheck.check(v -> SelectiveScan.scanAlong(ScanPaths.of(paths(4, 3, 4), true), v[0], v[1], v[2], v[3], v[4], v[5],
                null, v[6], true), dropZ(inputs(4, 1, 6, 4, 1, 3, true)));
    }

    private static Tensor[] dropZ(Tensor[] in) { return new Tensor[] {in[0], in[1], in[2], in[3], in[4], in[5], in[7]}; }

    @Test void bf16SequencesGiveTheFloat32ResultRounded() {
        ScanAlongGpuTest.assertBf16MatchesRoundedFloat32(dev.jmamba.tensor.Device.CPU);
    }

    @Test void identityPathsAreTheOrdinaryScan() {
        Tensor[] in = inputs(5, 2, 4, 6, 2, 2, false);
        Var[] v = vars(in);
        int[] identity = paths(5, 1, 6).get(0);
        Var along = SelectiveScan.scanAlong(ScanPaths.of(List.of(identity, identity), false), v[0], v[1], v[2], v[3], v[4], v[5],
                v[6], v[7], true);
        Var plain = SelectiveScan.scan(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], true);
        assertArrayEquals(plain.value().toDoubleArray(), along.value().toDoubleArray(), 0.0);
    }

    @Test void badPathsAndShapesAreNamed() {
        Tensor[] in = inputs(6, 1, 4, 5, 1, 2, false);
        Var[] v = vars(in);
        JmambaException notAPermutation = assertThrows(JmambaException.class, () -> ScanPaths.of(List.of(new int[] {0, 1, 1}), false));
        assertTrue(notAPermutation.getMessage().contains("visit each of the 3 positions once"), notAPermutation.getMessage());
        JmambaException wrongCount = assertThrows(JmambaException.class,
                () -> SelectiveScan.scanAlong(ScanPaths.of(paths(6, 3, 5), false), v[0], v[1], v[2], v[3], v[4], null, null, null, true));
        assertTrue(wrongCount.getMessage().contains("need 2 paths of 5 positions"), wrongCount.getMessage());
        Var sharedU = Var.of(in[0].narrow(1, 0, 2).contiguous());
        JmambaException plain = assertThrows(JmambaException.class,
                () -> SelectiveScan.scan(sharedU, v[1], v[2], v[3], v[4], null, null, null, true));
        assertTrue(plain.getMessage().contains("needs scanAlong"), plain.getMessage());
        JmambaException notShared = assertThrows(JmambaException.class,
                () -> SelectiveScan.scanAlong(ScanPaths.of(paths(6, 2, 5), false), sharedU, v[1], v[2], v[3], v[4], null, null, null, true));
        assertTrue(notShared.getMessage().contains("for a shared u"), notShared.getMessage());
    }
}
