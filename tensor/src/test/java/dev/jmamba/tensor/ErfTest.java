package dev.jmamba.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link Erf} (exact GELU on the CPU, and the tests' references) against published values (Abramowitz & Stegun table 7.1, 15 digits). */
class ErfTest {
    @Test
    void knownValues() {
        assertEquals(0.0, Erf.erf(0), 0);
        assertEquals(0.5204998778130465, Erf.erf(0.5), 1e-14);
        assertEquals(0.8427007929497149, Erf.erf(1), 1e-14);
        assertEquals(0.9953222650189527, Erf.erf(2), 1e-14);
        assertEquals(0.9999779095030014, Erf.erf(3), 1e-14);
        assertEquals(0.9999999845827421, Erf.erf(4), 1e-14);
        assertEquals(-0.8427007929497149, Erf.erf(-1), 1e-14);
        assertEquals(1.0, Erf.erf(6.5), 0);                              // 1 - erf(6.5) < 1e-19: rounds to 1
    }

    @Test
    void bothBranchesAgreeWhereTheyMeet() {
        // the series serves |x| < 2, the continued fraction 2 <= |x| < 6: no jump at the seam
        assertEquals(Erf.erf(Math.nextDown(2.0)), Erf.erf(2.0), 1e-15);
    }
}
