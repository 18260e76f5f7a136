package dev.jmamba.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jmamba} command line. Each subcommand is its own class; this one only wires them
 * together and maps failures to exit codes: usage errors exit 2, runtime errors exit 1, and a
 * {@link UserError} prints one sentence, never a stack trace.
 */
@Command(name = "jmamba", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Pure-JVM training and inference for vision state-space models (Vim, VMamba, ...).",
        subcommands = {CommandLine.HelpCommand.class, TrainCommand.class, EvalCommand.class, PredictCommand.class, ImportCommand.class, InfoCommand.class, CurvesCommand.class, BenchCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (used by tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, params) -> {
            CommandLine cmd = ex.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println(name + ": " + ex.getMessage() + " (see '" + name + " --help')");
            cmd.getErr().flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable root = ex;
            if (root instanceof UserError ue) {
                cmd.getErr().println("jmamba " + cmd.getCommandName() + ": " + ue.getMessage());
                cmd.getErr().flush();
                return ue.exitCode();
            }
            cmd.getErr().println("jmamba " + cmd.getCommandName() + ": " + describe(root));
            if (System.getenv("JMAMBA_DEBUG") != null) root.printStackTrace(cmd.getErr());
            cmd.getErr().flush();
            return 1;
        });
        return cl.execute(args);
    }

    /** One line for an unexpected failure: the exception's own message, or its type. */
    static String describe(Throwable t) {
        String msg = t.getMessage();
        return (msg == null || msg.isBlank()) ? t.getClass().getSimpleName() + " (set JMAMBA_DEBUG=1 for the stack trace)" : msg;
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jmamba " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
