package dev.jmamba.app;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code --device cpu|cuda|cuda:N} and checks that the device exists. */
final class DeviceOption {
    private static final Pattern CUDA = Pattern.compile("cuda(?::([0-9]{1,2}))?");

    private DeviceOption() {}

    /** The device named by {@code text}, or the default device (CUDA when present, else the CPU) when null. */
    static Device parse(String text) {
        if (text == null) return Backends.defaultDevice();
        return requireAvailable(syntax(text), text);
    }

    /** The device {@code text} names (cpu, cuda or cuda:N), without checking that it exists; a usage error otherwise. */
    static Device syntax(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) return Device.CPU;
        Matcher m = CUDA.matcher(t);
        if (!m.matches()) throw UserError.usage("bad --device '" + text + "': expected cpu, cuda or cuda:N");
        return Device.cuda(m.group(1) == null ? 0 : Integer.parseInt(m.group(1)));
    }

    /** {@code d} when it can be used; a runtime error (exit 1) naming {@code text} when it cannot. */
    static Device requireAvailable(Device d, String text) {
        if (!Backends.isAvailable(d)) {
            throw UserError.runtime("--device " + text + ": no usable CUDA GPU was found on this machine (needs an NVIDIA driver and the jmamba CUDA backend); use --device cpu");
        }
        return d;
    }
}
