package dev.jmamba.examples;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import java.util.HashMap;
import java.util.Map;

/**
 * The few options the examples take, as {@code --name value} pairs (e.g. {@code --device cuda --steps 200}).
 * Each example names the options it reads in its "How to run" header; an unknown option is an error.
 */
public final class ExampleArgs {
    private final Map<String, String> values = new HashMap<>();

    /** A malformed or unknown option (a usage error: the command line exits 2). */
    public static final class BadOption extends JmambaException {
        public BadOption(String message) { super(message); }
    }

    private ExampleArgs(String example, String[] args, String... known) {
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!name.startsWith("--") || !java.util.List.of(known).contains(name.substring(2))) {
                throw new BadOption(example + ": unknown option '" + name + "' (it takes "
                        + (known.length == 0 ? "no options" : "--" + String.join(" V, --", known) + " V") + ")");
            }
            if (i + 1 >= args.length) throw new BadOption(example + ": option " + name + " needs a value");
            values.put(name.substring(2), args[++i]);
        }
    }

    /** Parses {@code args}; {@code known} lists the option names without dashes. */
    public static ExampleArgs parse(String example, String[] args, String... known) {
        return new ExampleArgs(example, args, known);
    }

    /** {@code --device}: cpu (the default), cuda or cuda:N; a clear error when that device is missing. */
    public Device device() {
        Device d;
        try {
            d = Device.parse(values.getOrDefault("device", "cpu"));
        } catch (JmambaException e) {
            throw new BadOption("--device: " + e.getMessage());
        }
        if (!Backends.isAvailable(d)) throw new JmambaException("--device " + d + " is not available on this machine");
        return d;
    }

    /** An integer option, {@code fallback} when absent. */
    public int integer(String name, int fallback) {
        String v = values.get(name);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new BadOption("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    /** A string option, {@code fallback} when absent. */
    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }
}
