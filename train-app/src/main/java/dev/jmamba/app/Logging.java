package dev.jmamba.app;

import java.io.PrintStream;
import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Log records (java.util.logging, which {@code System.Logger} uses by default) as one plain line on
 * stderr: {@code jmamba: warning: <message>}. By default only warnings and errors are shown (for
 * example a skipped unreadable image); {@code --verbose} shows information records too (the chosen
 * device, backend details). No dates, no class names.
 */
final class Logging {
    private Logging() {}

    /** Replaces the root logger's handlers with the one-line handler at WARNING, or INFO when {@code verbose}. */
    static synchronized void configure(boolean verbose) {
        Logger root = LogManager.getLogManager().getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        Level level = verbose ? Level.INFO : Level.WARNING;
        root.setLevel(level);
        OneLine handler = new OneLine();
        handler.setLevel(level);
        root.addHandler(handler);
    }

    /** Writes to the current {@code System.err} (looked up per record, so a test's replacement is honoured). */
    static final class OneLine extends Handler {
        @Override public void publish(LogRecord r) {
            if (!isLoggable(r)) return;
            String msg = r.getMessage();
            if (r.getParameters() != null && r.getParameters().length > 0 && msg != null) {
                try {
                    msg = java.text.MessageFormat.format(msg, r.getParameters());
                } catch (IllegalArgumentException e) {
                    // keep the raw pattern
                }
            }
            StringBuilder line = new StringBuilder("jmamba: ").append(label(r.getLevel())).append(": ").append(msg);
            if (r.getThrown() != null) {
                String t = r.getThrown().getMessage();
                line.append(" (").append(t == null ? r.getThrown().getClass().getSimpleName() : t).append(')');
            }
            PrintStream err = System.err;
            err.println(line);
            err.flush();
        }

        private static String label(Level level) {
            if (level.intValue() >= Level.SEVERE.intValue()) return "error";
            if (level.intValue() >= Level.WARNING.intValue()) return "warning";
            return level.getName().toLowerCase(Locale.ROOT);
        }

        @Override public void flush() {
            System.err.flush();
        }

        @Override public void close() {}
    }
}
