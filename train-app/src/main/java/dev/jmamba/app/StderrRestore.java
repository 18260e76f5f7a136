package dev.jmamba.app;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Undoes the launcher's stderr filter for the app's own output. {@code ./jmamba} starts the JVM
 * with stderr through a filter that drops the JVM's "Using incubator modules" warning (printed
 * before {@code main}), and with the real stderr as the file descriptor named by
 * {@code JMAMBA_STDERR_FD}. The first thing {@code main} does is {@code dup2} that descriptor back
 * onto 2 (libc through the FFM API), so everything the app prints goes straight to the real
 * stderr, in order with stdout. Any failure leaves stderr as it was (still shown, through the filter).
 */
final class StderrRestore {
    private StderrRestore() {}

    /** Puts the descriptor in {@code JMAMBA_STDERR_FD} back on fd 2 and closes it; a no-op when the variable is absent. */
    static void apply() {
        String text = System.getenv("JMAMBA_STDERR_FD");
        if (text == null) return;
        try {
            int fd = Integer.parseInt(text.strip());
            if (fd <= 2) return;
            Linker linker = Linker.nativeLinker();
            FunctionDescriptor intInt = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
            MethodHandle dup2 = linker.downcallHandle(linker.defaultLookup().find("dup2").orElseThrow(), intInt);
            MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            System.err.flush();
            if ((int) dup2.invokeExact(fd, 2) == 2) {
                int ignored = (int) close.invokeExact(fd);
            }
        } catch (Throwable t) {
            // keep the filtered stderr: every line still reaches the user
        }
    }
}
