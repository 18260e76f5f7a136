package dev.jmamba.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The copy names of {@code jmamba.profile.copies=detail}: kind by layout and dtype, caller outside the tensor package. */
class ProfilingCopyNameTest {
    /** This test lives in the tensor package, so "outside the package" is outside a package it is not in. */
    private static String name(Tensor src, Tensor dst) {
        return ProfilingBackend.copyName(src, dst, "dev.jmamba.tensor.cuda.");
    }

    @Test void copiesAreNamedByKindAndCaller() {
        Tensor a = Tensor.randn(1, 4, 6), t = a.transpose(0, 1);
        String caller = " ProfilingCopyNameTest.name";
        assertEquals("copy[dense]" + caller, name(a, Tensor.zeros(4, 6)));
        assertEquals("copy[strided]" + caller, name(t, Tensor.zeros(6, 4)));
        assertEquals("copy[cast]" + caller, name(a, Tensor.zeros(4, 6).to(DType.BF16)));
        assertEquals("copy[cast+strided]" + caller, name(t, Tensor.zeros(6, 4).to(DType.BF16)));
    }
}
