package dev.jmamba.ssm;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.TensorException;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;

/**
 * Finds the kernel implementation of a device slot ({@link ScanKernels}, the cross-scan and the
 * causal-conv kernels): the built-in CPU one, else the first implementation registered in
 * {@code META-INF/services} that supports the device. The answer is cached per (slot, device):
 * ops call this on every forward and backward, and a ServiceLoader scan per call costs far more
 * than the kernel launch it selects.
 */
public final class DeviceSlot {
    private static final Map<List<Object>, Object> CACHE = new ConcurrentHashMap<>();

    private DeviceSlot() {}

    /** The implementation of {@code type} for {@code device}; {@code what} names the op in the error. */
    public static <T> T find(Class<T> type, T cpu, BiPredicate<T, Device> supports, Device device, String what) {
        if (supports.test(cpu, device)) return cpu;
        List<Object> key = List.of(type, device);
        Object hit = CACHE.get(key);
        if (hit != null) return type.cast(hit);
        for (T k : ServiceLoader.load(type)) {
            if (supports.test(k, device)) {
                CACHE.put(key, k);
                return k;
            }
        }
        throw new TensorException.Device(what, "no kernel for device " + device
                + " (the CPU kernel is built in; GPU kernels register through META-INF/services/" + type.getName() + ")");
    }
}
