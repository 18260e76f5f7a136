package dev.jmamba.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/**
 * The {@code jmamba} command line. Each subcommand is its own class; this one only wires them
 * together and maps failures to exit codes: usage errors exit 2, runtime errors exit 1, and a
 * {@link UserError} prints one sentence, never a stack trace.
 */
@Command(name = "jmamba", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Pure-JVM training and inference for vision state-space models (Vim, VMamba, ...).",
        subcommands = {CommandLine.HelpCommand.class, TrainCommand.class, EvalCommand.class, PredictCommand.class, ImportCommand.class, InfoCommand.class, CurvesCommand.class, BenchCommand.class, ExampleCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of a failure (also with JMAMBA_DEBUG=1).")
    boolean debug;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Show information log records too (device choice, backend details).")
    boolean verbose;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        StderrRestore.apply();
        System.exit(run(args));
    }

    /**
     * Runs the command line and returns the exit code (used by tests). Nothing escapes as a stack
     * trace: every failure, {@link Error}s such as {@link OutOfMemoryError} included, becomes one
     * line (see {@link ErrorReport}); {@code --debug} adds the trace.
     */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        boolean[] debug = {System.getenv("JMAMBA_DEBUG") != null};
        Logging.configure(false);
        cl.setParameterExceptionHandler((ex, params) -> {
            CommandLine cmd = ex.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println(name + ": " + ex.getMessage() + " (see '" + name + " --help')");
            cmd.getErr().flush();
            return 2;
        });
        cl.setExecutionStrategy(parsed -> {
            boolean verbose = false;
            for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
                debug[0] |= p.hasMatchedOption("--debug");
                verbose |= p.hasMatchedOption("--verbose");
            }
            Logging.configure(verbose);
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, cmd.getCommandSpec().qualifiedName(" ").replaceFirst("^jmamba ", ""), cmd.getErr(), debug[0]));
        try {
            return cl.execute(args);
        } catch (Throwable t) { // Errors (out of memory, stack overflow) pass picocli by
            String command = args.length == 0 ? "" : args[0];
            if (args.length > 1 && args[0].equals("bench")) command += " " + args[1];
            return report(t, command, cl.getErr(), debug[0]);
        }
    }

    /** Prints the one-line report of {@code t} (and its stack trace when {@code debug}); returns the exit code. */
    private static int report(Throwable t, String command, PrintWriter err, boolean debug) {
        ErrorReport r = ErrorReport.of(t, command);
        err.println("jmamba " + command + ": " + r.message());
        if (debug) t.printStackTrace(err);
        err.flush();
        return r.exitCode();
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jmamba " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
