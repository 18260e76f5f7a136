package dev.jmamba.app;

/** A failure caused by the user's input: printed as one sentence, exit code 2 (usage) or 1 (bad file, ...). */
public final class UserError extends RuntimeException {
    private final int exitCode;

    public UserError(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public static UserError usage(String message) { return new UserError(2, message); }

    public static UserError runtime(String message) { return new UserError(1, message); }

    public int exitCode() { return exitCode; }
}
