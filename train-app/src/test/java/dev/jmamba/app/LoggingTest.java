package dev.jmamba.app;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Log records are one plain line on stderr; information records only with --verbose. */
class LoggingTest {
    @AfterEach void quietAgain() {
        Logging.configure(false);
    }

    @Test void warningsAreOneLineAndInformationIsHiddenByDefault() {
        Logging.configure(false);
        String err = capture(() -> {
            System.Logger log = System.getLogger("dev.jmamba.test");
            log.log(System.Logger.Level.INFO, "default device: cpu");
            log.log(System.Logger.Level.WARNING, "skipping unreadable image a.jpg");
        });
        assertEquals("jmamba: warning: skipping unreadable image a.jpg\n", err);
    }

    @Test void verboseShowsInformationRecords() {
        Logging.configure(true);
        String err = capture(() -> System.getLogger("dev.jmamba.test").log(System.Logger.Level.INFO, "default device: {0}", "cpu"));
        assertEquals("jmamba: info: default device: cpu\n", err);
    }

    private static synchronized String capture(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }
}
