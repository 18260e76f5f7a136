package dev.jmamba.app;

import dev.jmamba.examples.ExampleArgs;
import dev.jmamba.examples.ExampleFailure;
import dev.jmamba.examples.Examples;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jmamba example [NAME [OPTIONS…]]}: runs one of the self-checking example programs of the
 * {@code examples} module (its options, e.g. {@code --device cuda}, follow the name and go to the
 * example); without a name, lists them. A failed closing check exits 1.
 */
@Command(name = "example", mixinStandardHelpOptions = true, modelTransformer = ExampleCommand.PassOptions.class,
        description = {"Runs a self-checking example program (examples/README.md); without NAME, lists them.",
                "Options after NAME go to the example, e.g. 'example tiny-vim --steps 100 --device cuda'."})
public final class ExampleCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Example name (see the list).")
    String name;

    @Parameters(index = "1..*", paramLabel = "OPTION", description = "Options of the example.")
    List<String> options = new ArrayList<>();

    /** Everything after NAME is the example's, even when it looks like an option. */
    static final class PassOptions implements CommandLine.IModelTransformer {
        @Override public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec command) {
            command.parser().stopAtPositional(true);
            return command;
        }
    }

    @Override public void run() {
        PrintWriter out = spec.commandLine().getOut();
        if (name == null) {
            out.println("Examples (./jmamba example NAME [OPTIONS]; sources in examples/src/main/java/dev/jmamba/examples):");
            for (Examples.Entry e : Examples.ALL) out.printf("  %-17s %s%n", e.name(), e.summary());
            out.flush();
            return;
        }
        Examples.Entry entry;
        try {
            entry = Examples.find(name);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
        try {
            entry.run().accept(System.out, options.toArray(String[]::new));
        } catch (ExampleArgs.BadOption e) {
            throw UserError.usage(e.getMessage());
        } catch (ExampleFailure e) {
            throw UserError.runtime("example " + name + " failed its check: " + e.getMessage());
        }
    }
}
