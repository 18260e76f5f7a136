package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The provider's registration and its behaviour on machines without CUDA (this one included). */
class CudaProviderTest {
    @Test
    void providerIsRegisteredForServiceLoader() {
        boolean found = false;
        for (Backends.DeviceProvider p : ServiceLoader.load(Backends.DeviceProvider.class)) found |= p instanceof CudaDeviceProvider;
        assertTrue(found, "META-INF/services must list dev.jmamba.tensor.cuda.CudaDeviceProvider");
    }

    @Test
    void theCpuIsNeverACudaDevice() {
        assertFalse(new CudaDeviceProvider().available(Device.CPU));
    }

    @Test
    void withoutCudaNothingThrowsUntilACudaTensorIsAskedFor() {
        CudaDeviceProvider provider = new CudaDeviceProvider();
        Assumptions.assumeFalse(provider.available(Device.cuda(0)), "a CUDA device is present: the no-CUDA behaviour is not testable here");
        assertDoesNotThrow(() -> Backends.isAvailable(Device.cuda(0)));
        assertFalse(Backends.isAvailable(Device.cuda(0)));
        assertFalse(provider.available(Device.cuda(3)));
        String reason = provider.unavailableReason();
        assertTrue(reason.contains("libcuda.so.1") || reason.contains("device"), "the reason says what was searched: " + reason);
        var e = assertThrows(TensorException.Device.class, () -> Tensor.zeros(DType.F32, Device.cuda(0), 2));
        assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains(reason), e.getMessage());
        assertEquals(Device.CPU, Backends.defaultDevice(), "without CUDA the default device is the CPU");
    }

    @Test
    void availabilityIsCheapAfterTheFirstProbe() {
        CudaDeviceProvider provider = new CudaDeviceProvider();
        provider.available(Device.cuda(0));
        long t0 = System.nanoTime();
        for (int i = 0; i < 10_000; i++) provider.available(Device.cuda(0));
        long perCallNs = (System.nanoTime() - t0) / 10_000;
        assertTrue(perCallNs < 20_000, "available() should be a cached answer; took " + perCallNs + " ns per call");
    }
}
