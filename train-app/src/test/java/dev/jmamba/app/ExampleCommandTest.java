package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code jmamba example} through {@link Main#run}: listing, running with the example's own options, errors. */
class ExampleCommandTest {

    @Test void withoutANameListsTheExamples() {
        AppRun.Result r = AppRun.run("example");
        assertEquals(0, r.exitCode(), r.err());
        for (String name : new String[] {"scan-by-hand", "autograd-by-hand", "curves-gallery", "tiny-vim", "classify-image"}) {
            assertTrue(r.out().contains(name), r.out());
        }
    }

    @Test void runsAnExampleAndPassesItsOptions() {
        AppRun.Result r = AppRun.run("example", "scan-by-hand", "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("All checks passed"), r.out());
    }

    @Test void unknownNameOrOptionIsAUsageError() {
        AppRun.Result r = AppRun.run("example", "nope");
        assertEquals(2, r.exitCode());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("unknown example 'nope'") && r.err().contains("tiny-vim"), r.err());
        AppRun.Result opt = AppRun.run("example", "tiny-vim", "--epochs", "3");
        assertEquals(2, opt.exitCode());
        assertTrue(opt.err().contains("unknown option '--epochs'"), opt.err());
    }
}
