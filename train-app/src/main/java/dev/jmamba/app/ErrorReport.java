package dev.jmamba.app;

import dev.jmamba.app.data.DataException;
import dev.jmamba.io.CheckpointException;
import dev.jmamba.tensor.TensorException;
import dev.jmamba.tensor.cuda.CudaException;

import java.util.Locale;

/**
 * Turns any failure that reaches the top of the command line into one sentence and an exit code:
 * a {@link UserError} keeps its own; running out of memory (the Java heap, or a GPU's memory,
 * anywhere in the cause chain: a data-loader worker wraps it) names what ran out and what to
 * change, exit 1; everything else is its message, exit 1. No stack trace: {@code --debug} or
 * {@code JMAMBA_DEBUG=1} prints it as well.
 *
 * @param message  the sentence, without the {@code jmamba <command>:} prefix
 * @param exitCode 2 for usage errors, 1 for everything else
 */
record ErrorReport(String message, int exitCode) {

    /** The variable users set to give the JVM options such as {@code -Xmx}; the launcher honours it. */
    static final String JAVA_OPTS_VARIABLE = "JMAMBA_JAVA_OPTS";

    /** The report for {@code t}, thrown by the command {@code command} (e.g. "train", "bench gemm"). */
    static ErrorReport of(Throwable t, String command) {
        if (t instanceof UserError ue) return new ErrorReport(ue.getMessage(), ue.exitCode());
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError oom) return new ErrorReport(heap(oom, command), 1);
            if (isDeviceOutOfMemory(c)) return new ErrorReport(device(c, command), 1);
            if (c instanceof StackOverflowError) {
                return new ErrorReport("the Java thread stack overflowed (a very deep model or graph); give it more stack, e.g. "
                        + JAVA_OPTS_VARIABLE + "=-Xss64m", 1);
            }
        }
        if (t instanceof CheckpointException || t instanceof DataException) return new ErrorReport(t.getMessage(), 1);
        return new ErrorReport(describe(t), 1);
    }

    /** True when {@code t} or one of its causes is running out of memory (heap or GPU). */
    static boolean isOutOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError || isDeviceOutOfMemory(c)) return true;
        }
        return false;
    }

    /** True for the GPU allocator's out-of-memory failures. */
    static boolean isDeviceOutOfMemory(Throwable t) {
        return t instanceof TensorException.OutOfMemory || t instanceof CudaException ce && ce.isOutOfMemory();
    }

    private static String heap(OutOfMemoryError e, String command) {
        String what = e.getMessage() == null || e.getMessage().isBlank() ? "Java heap space" : e.getMessage();
        return String.format(Locale.ROOT, "out of memory (%s; the JVM may use at most %s)%s; or give the JVM more memory, e.g. %s=-Xmx%dg ./jmamba %s ...",
                what, gib(Runtime.getRuntime().maxMemory()), hint(command, false), JAVA_OPTS_VARIABLE,
                Math.max(2, 2 * (long) Math.ceil(Runtime.getRuntime().maxMemory() / (double) (1L << 30))), command);
    }

    private static String device(Throwable e, String command) {
        String detail = e.getMessage() == null ? "" : e.getMessage();
        int cut = detail.indexOf(';');
        if (cut > 0) detail = detail.substring(0, cut);
        return "out of GPU memory (" + detail + ")" + hint(command, true);
    }

    /** What to change, by command. */
    private static String hint(String command, boolean gpu) {
        String c = command == null ? "" : command;
        if (c.endsWith("gemm")) return ": use a smaller --n";
        if (c.equals("predict")) return ": the image or the model is too large for this machine";
        if (c.equals("curves")) return ": use a smaller --size";
        if (c.endsWith("loader")) return ": use a smaller --batch-size or fewer --workers";
        return ": use a smaller --batch-size" + (c.contains("train") ? " or --resolution" : "")
                + (gpu ? " (GPU memory cannot be raised by JVM options)" : "");
    }

    private static String gib(long bytes) {
        if (bytes == Long.MAX_VALUE) return "all memory";
        return bytes < (1L << 30) ? String.format(Locale.ROOT, "%d MiB", bytes >> 20) : String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** One line for an unexpected failure: the exception's own message, or its type. */
    static String describe(Throwable t) {
        String msg = t.getMessage();
        return (msg == null || msg.isBlank()) ? t.getClass().getSimpleName() + " (run with --debug for the stack trace)" : msg;
    }
}
