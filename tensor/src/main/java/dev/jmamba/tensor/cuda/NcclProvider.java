package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.dist.Communicator;
import dev.jmamba.tensor.dist.Communicators;

/** Registers NCCL as the communicator of CUDA devices (through {@code META-INF/services}). */
public final class NcclProvider implements Communicators.Provider {
    /** For ServiceLoader. */
    public NcclProvider() {}

    @Override public boolean handles(Device device) {
        return device instanceof Device.Cuda;
    }

    @Override public String unavailableReason() {
        return Nccl.unavailableReason();
    }

    @Override public String describe() {
        return "NCCL " + NcclCommunicator.version();
    }

    @Override public byte[] newUniqueId(Device device) {
        return NcclCommunicator.newUniqueId(device);
    }

    @Override public Communicator join(Device device, byte[] uniqueId, int rank, int worldSize) {
        return NcclCommunicator.join(device, uniqueId, rank, worldSize);
    }
}
