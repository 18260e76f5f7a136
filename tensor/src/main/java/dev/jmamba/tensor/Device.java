package dev.jmamba.tensor;

/** Where a tensor's storage lives: the CPU (Java heap) or a CUDA device. */
public sealed interface Device permits Device.Cpu, Device.Cuda {

    /** The CPU. */
    Device CPU = new Cpu();

    /** CUDA device {@code index}. */
    static Device cuda(int index) { return new Cuda(index); }

    /** The CPU device. */
    static Device cpu() { return CPU; }

    /** Parses "cpu", "cuda" or "cuda:N". */
    static Device parse(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) return CPU;
        if (t.equals("cuda") || t.equals("gpu")) return cuda(0);
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) { /* fall through */ }
        }
        throw new JmambaException("unknown device '" + s + "': expected cpu, cuda or cuda:N");
    }

    /** The CPU. */
    record Cpu() implements Device {
        @Override public String toString() { return "cpu"; }
    }

    /** A CUDA device by ordinal. */
    record Cuda(int index) implements Device {
        @Override public String toString() { return "cuda:" + index; }
    }
}
