package dev.jmamba.app;

import dev.jmamba.tensor.Profile;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints a {@link Profile} as a table (op, calls, self host ms, inclusive host ms, device ms,
 * % of the profiled step, host syncs), or as one JSON line per op, largest time first. A last
 * row {@code (outside ops)} holds the step's time outside every profiled op.
 */
final class ProfileReport {
    static final String OUTSIDE = "(outside ops)";

    private ProfileReport() {}

    static void table(Profile p, PrintStream out) {
        out.println(String.format(Locale.ROOT, "profile of one extra step: %.1f ms wall, %d host syncs (device-to-host copies)%s",
                p.wallMs(), p.syncs(), p.deviceTime()
                        ? "; device ms: the stream is synchronised before and after every op, so ops do not overlap"
                          + " and this step is slower than the timed ones"
                        : "; device ms: '-' (the CPU backend is synchronous: host ms is the device time)"));
        out.println("host ms = self time inside the op's calls (nested profiled ops excluded); incl ms includes them");
        int width = Math.max(OUTSIDE.length(), p.entries().stream().mapToInt(e -> e.op().length()).max().orElse(2));
        String row = "%-" + width + "s %8s %10s %10s %10s %7s %6s%n";
        out.printf(Locale.ROOT, row, "op", "calls", "host ms", "incl ms", "device ms", "% step", "syncs");
        for (Profile.Entry e : p.entries()) {
            out.printf(Locale.ROOT, row, e.op(), e.calls(), ms(e.hostMs()), ms(e.inclusiveHostMs()), ms(e.deviceMs()),
                    String.format(Locale.ROOT, "%.1f", 100 * e.ms() / p.wallMs()), e.syncs());
        }
        out.printf(Locale.ROOT, row, OUTSIDE, "", ms(p.outsideMs()), "", "", String.format(Locale.ROOT, "%.1f", 100 * p.outsideMs() / p.wallMs()), "");
    }

    static void json(Profile p, PrintStream out) {
        for (Profile.Entry e : p.entries()) {
            out.println(String.format(Locale.ROOT,
                    "{\"case\":\"profile\",\"op\":\"%s\",\"calls\":%d,\"host_ms\":%.4f,\"host_incl_ms\":%.4f,\"device_ms\":%s,\"pct\":%.2f,\"syncs\":%d}",
                    e.op().replace("\"", "'"), e.calls(), e.hostMs(), e.inclusiveHostMs(), jsonMs(e.deviceMs()),
                    100 * e.ms() / p.wallMs(), e.syncs()));
        }
        out.println(String.format(Locale.ROOT,
                "{\"case\":\"profile\",\"op\":\"%s\",\"calls\":0,\"host_ms\":%.4f,\"host_incl_ms\":%.4f,\"device_ms\":null,\"pct\":%.2f,\"syncs\":0}",
                OUTSIDE, p.outsideMs(), p.outsideMs(), 100 * p.outsideMs() / p.wallMs()));
    }

    private static String ms(double v) { return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v); }

    private static String jsonMs(double v) { return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.4f", v); }
}
