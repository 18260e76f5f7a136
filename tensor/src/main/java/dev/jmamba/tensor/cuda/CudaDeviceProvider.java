package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;

/**
 * Registers CUDA devices with {@link Backends} (through {@code META-INF/services}). The first
 * {@link #available} call probes for the driver and counts devices; the answer is remembered, so
 * later calls cost a field read, and no call ever throws. On a machine without CUDA nothing else
 * of this package is loaded.
 */
public final class CudaDeviceProvider implements Backends.DeviceProvider {
    private static volatile boolean probed;
    private static volatile int deviceCount;
    private static volatile String reason = "CUDA has not been probed yet";

    /** For ServiceLoader. */
    public CudaDeviceProvider() {}

    private static synchronized void probe() {
        if (probed) return;
        try {
            CudaLibraries.driver();  // throws, saying where it looked, when libcuda.so.1 is missing
            if (CudaContext.available()) {
                deviceCount = CudaDriver.deviceCount();
                reason = deviceCount > 0 ? "CUDA driver loaded, " + deviceCount + " device(s)" : "the CUDA driver sees no device";
            } else {
                reason = "libcuda.so.1 loaded but cuInit failed or found no device (see the dev.jmamba log)";
            }
        } catch (Throwable why) {
            reason = "no CUDA driver: " + why.getMessage();
        }
        probed = true;
    }

    @Override public boolean available(Device device) {
        try {
            if (!(device instanceof Device.Cuda cuda)) return false;
            if (!probed) probe();
            if (cuda.index() < 0 || cuda.index() >= deviceCount) {
                if (deviceCount > 0) reason = device + " does not exist: the CUDA driver sees " + deviceCount + " device(s)";
                return false;
            }
            return true;
        } catch (Throwable unexpected) {
            reason = "CUDA probe failed: " + unexpected;
            return false;
        }
    }

    @Override public Backend backend(Device device) {
        if (!available(device)) throw new TensorException.Device("cuda", "an available CUDA device", device + " (" + reason + ")");
        return new CudaBackend(CudaContext.get(((Device.Cuda) device).index()));
    }

    @Override public Tensor transfer(Tensor src, Device target) {
        Tensor s = src.isContiguous() ? src : src.contiguous();
        if (target instanceof Device.Cpu) {
            if (s.device() instanceof Device.Cpu) return s;
            return CudaTransfer.toHost(s, backendOf(s.device()));
        }
        if (s.device().equals(target)) return s;
        Tensor host = s.device() instanceof Device.Cpu ? s : CudaTransfer.toHost(s, backendOf(s.device()));
        return CudaTransfer.toDevice(host, backendOf(target));
    }

    private static CudaBackend backendOf(Device device) {
        return (CudaBackend) Backends.raw(device);
    }

    @Override public String unavailableReason() {
        if (!probed) probe();
        return reason;
    }
}
