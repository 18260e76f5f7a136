package dev.jmamba.tensor.dist;

import dev.jmamba.tensor.Device;
import java.util.ServiceLoader;

/**
 * Finds the communicator library for a kind of device. GPU libraries register through
 * {@link ServiceLoader} ({@link Provider}; NCCL is {@code dev.jmamba.tensor.cuda.NcclProvider}), so
 * code above the tensor module never links against them.
 */
public final class Communicators {
    private Communicators() {}

    /** A communicator library (NCCL for CUDA devices). */
    public interface Provider {
        /** True when this provider serves devices of this kind (whether or not its library is installed). */
        boolean handles(Device device);

        /** Null when the library loads, else one sentence saying what is missing and where it was searched. */
        String unavailableReason();

        /** The library and its version, e.g. "NCCL 2.28.3". */
        String describe();

        /** A fresh group id; rank 0 makes it and hands it to every rank (through the rendezvous). */
        byte[] newUniqueId(Device device);

        /** Joins the group {@code uniqueId} as {@code rank} of {@code worldSize} on {@code device}; blocks until all ranks joined. */
        Communicator join(Device device, byte[] uniqueId, int rank, int worldSize);
    }

    /** The usable provider for {@code device}; a {@link CommunicatorException} saying why when there is none. */
    public static Provider forDevice(Device device) {
        for (Provider p : ServiceLoader.load(Provider.class)) {
            if (!p.handles(device)) continue;
            String missing = p.unavailableReason();
            if (missing != null) throw new CommunicatorException(missing);
            return p;
        }
        throw new CommunicatorException("multi-process training is not supported on " + device
                + ": it runs one process per CUDA device over NCCL (use --device cuda)");
    }
}
