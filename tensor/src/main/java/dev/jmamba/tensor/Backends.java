package dev.jmamba.tensor;

import dev.jmamba.tensor.cpu.CpuBackend;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Finds the backend of a device. The CPU backend is always there; GPU backends register through
 * {@link ServiceLoader} ({@link DeviceProvider}) so the tensor core never links against CUDA.
 */
public final class Backends {
    private static final Map<Device, Backend> CACHE = new ConcurrentHashMap<>();
    private static volatile Device defaultDevice;

    private Backends() {}

    /** A source of backends for non-CPU devices (the CUDA backend implements it). */
    public interface DeviceProvider {
        /** True when this provider serves devices of this kind and one is present. */
        boolean available(Device device);

        Backend backend(Device device);

        /** Copies a contiguous tensor between the CPU and this provider's device. */
        Tensor transfer(Tensor src, Device target);

        /** One line saying why it is not available (what was searched). */
        String unavailableReason();
    }

    /**
     * The backend for {@code device}; a clear exception when the device is unavailable. While the
     * {@link Profiler} runs, this is a wrapper that times every call.
     */
    public static Backend of(Device device) {
        Backend raw = raw(device);
        ProfileSession s = Profiler.session();
        return s == null ? raw : s.wrap(raw);
    }

    /** The device's own backend, never the profiling wrapper (for code that needs its concrete type). */
    public static Backend raw(Device device) {
        if (device instanceof Device.Cpu) return CpuBackend.INSTANCE;
        return CACHE.computeIfAbsent(device, d -> provider(d).backend(d));
    }

    private static DeviceProvider provider(Device d) {
        String reason = "no GPU backend on the class path";
        for (DeviceProvider p : ServiceLoader.load(DeviceProvider.class)) {
            if (p.available(d)) return p;
            reason = p.unavailableReason();
        }
        throw new TensorException.Device("device", d + " is not available: " + reason);
    }

    /** True when {@code device} can be used. Never throws. */
    public static boolean isAvailable(Device device) {
        if (device instanceof Device.Cpu) return true;
        try {
            for (DeviceProvider p : ServiceLoader.load(DeviceProvider.class)) if (p.available(device)) return true;
        } catch (Throwable t) {
            return false;
        }
        return false;
    }

    /** CUDA:0 when present, else the CPU; the choice is logged once. */
    public static Device defaultDevice() {
        Device d = defaultDevice;
        if (d == null) {
            synchronized (Backends.class) {
                if (defaultDevice == null) {
                    defaultDevice = isAvailable(Device.cuda(0)) ? Device.cuda(0) : Device.CPU;
                    Logger.getLogger("dev.jmamba").info("default device: " + defaultDevice);
                }
                d = defaultDevice;
            }
        }
        return d;
    }

    static Tensor transfer(Tensor src, Device target) {
        Device gpu = target instanceof Device.Cpu ? src.device() : target;
        ProfileSession s = Profiler.session();
        if (s == null) return provider(gpu).transfer(src, target);
        try (var f = s.enter(target instanceof Device.Cpu ? "to_host" : "to_device", true)) {
            return provider(gpu).transfer(src, target);
        }
    }
}
