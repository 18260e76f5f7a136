package dev.jmamba.app.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A graceful stop requested by a signal. While installed, the first SIGINT (Ctrl-C) or SIGTERM only
 * sets the request and says so on stderr: the trainer finishes the step it is in, writes a checkpoint,
 * prints where it stopped and exits with 128 + the signal number (130 or 143). A second signal ends the
 * process at once with the same code (the checkpoint written before, if any, is complete: checkpoints
 * are replaced atomically). Uninstalling restores the JVM's own handlers.
 *
 * <p>The trainer polls {@link #requested()} between steps; tests call {@link #request} directly.
 */
public final class StopSignal {
    private volatile String signal;

    /** The signal that asked for the stop ("INT", "TERM"), or null. */
    public String signal() {
        return signal;
    }

    /** True once a stop was requested. */
    public boolean requested() {
        return signal != null;
    }

    /** Requests the stop (the first request wins); returns false when one was already requested. */
    public synchronized boolean request(String name) {
        if (signal != null) return false;
        signal = name;
        return true;
    }

    /** 128 + the signal's number, the shell's code for a process ended by that signal (INT 130, TERM 143, HUP 129). */
    public static int exitCode(String name) {
        return 128 + switch (name) {
            case "HUP" -> 1;
            case "INT" -> 2;
            case "TERM" -> 15;
            default -> 0;
        };
    }

    /**
     * Handles SIGINT and SIGTERM for this request until the returned handle is closed. {@code err}
     * gets one line on the first signal ("stopping after this step ...").
     */
    @SuppressWarnings("removal")
    public AutoCloseable install(String command, PrintStream err) {
        List<Runnable> restore = new ArrayList<>();
        for (String name : List.of("INT", "TERM")) {
            try {
                sun.misc.Signal sig = new sun.misc.Signal(name);
                sun.misc.SignalHandler previous = sun.misc.Signal.handle(sig, s -> onSignal(name, command, err));
                restore.add(() -> sun.misc.Signal.handle(sig, previous));
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                // the signal is reserved here (e.g. -Xrs), or a runtime without jdk.unsupported: default action
            }
        }
        return () -> {
            for (Runnable r : restore) r.run();
        };
    }

    private void onSignal(String name, String command, PrintStream err) {
        if (request(name)) {
            err.println("jmamba " + command + ": SIG" + name + " received: stopping after the current step and writing a checkpoint"
                    + " (" + (name.equals("INT") ? "press Ctrl-C" : "send the signal") + " again to quit at once)");
            err.flush();
        } else {
            err.println("jmamba " + command + ": SIG" + name.toUpperCase(Locale.ROOT) + " again: quitting at once");
            err.flush();
            Runtime.getRuntime().halt(exitCode(name));
        }
    }
}
