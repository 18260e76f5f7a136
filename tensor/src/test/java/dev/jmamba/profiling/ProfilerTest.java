package dev.jmamba.profiling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Profile;
import dev.jmamba.tensor.Profiler;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The profiler seen from outside the tensor package, as a user sees it (host reads are named after the caller). */
class ProfilerTest {
    /** Time totals are sums of nanosecond counts converted to ms; only rounding separates them. */
    private static final double MS_ROUNDING = 1e-6;

    @AfterEach void off() {
        if (Profiler.isOn()) Profiler.stop();
    }

    /** (4, 5) @ (5, 3) + (3) bias, summed: the computation every test profiles. */
    private static Tensor compute(Tensor a, Tensor b, Tensor bias) {
        return a.matmul(b).add(bias).sum();
    }

    @Test void thePeakIsTheLargestAllocationAtAnOpBoundaryAndNamesTheOp() {
        Tensor a = Tensor.randn(1, 64, 64);
        Profiler.start();
        Tensor big = a.matmul(a);                  // (64, 64) more held after the matmul ends
        Tensor bigger = Tensor.zeros(512, 512);    // 1 MiB more: the largest point comes after this fill
        Profile p = Profiler.stop();
        Profile.Peak peak = p.peak();
        assertTrue(peak.bytes() >= 512L * 512 * 4, "the 1 MiB tensor is held at the peak: " + peak);
        assertEquals(Device.CPU, peak.device());
        assertTrue(peak.opIndex() >= 1 && peak.opIndex() <= peak.opCount(), peak.toString());
        assertTrue(peak.at().endsWith("ended") && !peak.at().startsWith("matmul"), "after the fill, not the matmul: " + peak);
        assertTrue(big.numel() + bigger.numel() > 0);
    }

    @Test void countsThePrimitivesOfAKnownComputation() {
        Tensor a = Tensor.randn(1, 4, 5), b = Tensor.randn(2, 5, 3), bias = Tensor.randn(3, 3);
        Profiler.start();
        compute(a, b, bias);
        Profile p = Profiler.stop();
        assertEquals(1, p.entry("matmul").calls());
        assertEquals(1, p.entry("add").calls());
        assertEquals(1, p.entry("sum").calls());
        assertNull(p.entry("mul"), "no multiply was called");
        assertNull(p.entry("to_host"), "nothing left the CPU");
        assertEquals(0, p.syncs(), "a CPU computation never synchronises with a device");
        for (Profile.Entry e : p.entries()) {
            assertTrue(e.calls() >= 1, e.op());
            assertTrue(e.hostMs() >= 0 && e.inclusiveHostMs() >= e.hostMs(), e.op());
            assertTrue(Double.isNaN(e.deviceMs()), "device time was not requested");
        }
    }

    @Test void selfTimesAndOutsideTimeAddUpToTheWallTime() {
        Tensor a = Tensor.randn(1, 64, 64), b = Tensor.randn(2, 64, 64), bias = Tensor.randn(3, 64);
        Profiler.start();
        for (int i = 0; i < 5; i++) compute(a, b, bias);
        Profile p = Profiler.stop();
        double self = p.entries().stream().mapToDouble(Profile.Entry::hostMs).sum();
        assertEquals(p.wallMs(), self + p.outsideMs(), MS_ROUNDING * (p.entries().size() + 2));
        assertTrue(p.outsideMs() >= 0);
        assertEquals(5, p.entry("matmul").calls());
        for (int i = 1; i < p.entries().size(); i++) {
            assertTrue(p.entries().get(i - 1).ms() >= p.entries().get(i).ms(), "sorted by time, largest first");
        }
    }

    @Test void nestedSectionsSubtractTheirChildren() {
        Tensor a = Tensor.randn(1, 32, 32);
        Profiler.start();
        try (Profiler.Section outer = Profiler.section("outer")) {
            a.matmul(a);
            try (Profiler.Section inner = Profiler.section("inner", ".part")) {
                a.exp();
            }
        }
        Profile p = Profiler.stop();
        Profile.Entry outer = p.entry("outer"), inner = p.entry("inner.part");
        double children = p.entry("matmul").inclusiveHostMs() + inner.inclusiveHostMs();
        assertTrue(outer.inclusiveHostMs() >= outer.hostMs() + children - 1e-3,
                "outer's self time excludes the matmul and the inner section");
        assertEquals(1, p.entry("exp").calls());
    }

    @Test void deviceTimeIsMeasuredAndNeverBelowHostTime() {
        Tensor a = Tensor.randn(1, 16, 16), b = Tensor.randn(2, 16, 16), bias = Tensor.randn(3, 16);
        Profiler.start(true);
        compute(a, b, bias);
        Profile p = Profiler.stop();
        assertTrue(p.deviceTime());
        for (Profile.Entry e : p.entries()) {
            assertFalse(Double.isNaN(e.deviceMs()), e.op());
            assertTrue(e.deviceMs() >= e.hostMs(), e.op() + ": device time includes the op's host time");
        }
    }

    @Test void hostSyncsAreChargedToTheInnermostOpOrToTheCaller() {
        Profiler.start();
        try (Profiler.Section s = Profiler.section("reader")) {
            Profiler.hostSync();
            Profiler.hostSync();
        }
        Profiler.hostSync();
        Profile p = Profiler.stop();
        assertEquals(2, p.entry("reader").syncs());
        Profile.Entry outside = p.entry("host read in ProfilerTest.hostSyncsAreChargedToTheInnermostOpOrToTheCaller");
        assertNotNull(outside, "a sync outside every op is named after its caller: " + p.entries());
        assertEquals(1, outside.syncs());
        assertEquals(0, outside.calls());
        assertEquals(3, p.syncs());
    }

    @Test void offModeIsTheRawBackendAndResultsAreBitIdentical() {
        assertFalse(Profiler.isOn());
        assertSame(CpuBackend.INSTANCE, Backends.of(Device.CPU));
        assertNull(Profiler.section("x"), "no section object while off");
        Profiler.hostSync(); // ignored while off
        Tensor a = Tensor.randn(1, 24, 40), b = Tensor.randn(2, 40, 16), bias = Tensor.randn(3, 16);
        float[] off = compute(a, b, bias).toFloatArray();
        float[] offRows = a.matmul(b).softmax(1).toFloatArray();
        Profiler.start(true);
        assertNotSame(CpuBackend.INSTANCE, Backends.of(Device.CPU));
        float[] on = compute(a, b, bias).toFloatArray();
        float[] onRows = a.matmul(b).softmax(1).toFloatArray();
        Profiler.stop();
        assertSame(CpuBackend.INSTANCE, Backends.of(Device.CPU));
        assertArrayEquals(off, on);
        assertArrayEquals(offRows, onRows);
        assertArrayEquals(off, compute(a, b, bias).toFloatArray());
    }

    @Test void startTwiceOrStopWhenOffIsAnError() {
        assertThrows(IllegalStateException.class, Profiler::stop);
        Profiler.start();
        IllegalStateException e = assertThrows(IllegalStateException.class, Profiler::start);
        assertTrue(e.getMessage().contains("already running"), e.getMessage());
    }
}
