package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** CudaContext.available() is safe everywhere; without a driver it says false (runs without a GPU). */
class CudaAvailabilityTest {

    private static boolean driverLoads() {
        try {
            CudaLibraries.driver();
            return true;
        } catch (CudaUnavailableException missing) {
            return false;
        }
    }

    @Test
    void availableNeverThrowsAndIsStable() {
        boolean first = assertDoesNotThrow(CudaContext::available);
        assertEquals(first, CudaContext.available());
    }

    @Test
    void withoutTheDriverNothingIsAvailable() {
        if (driverLoads()) return; // a machine with libcuda: covered by the gpu-tagged tests
        assertFalse(CudaContext.available());
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> CudaContext.get(0));
        assertFalse(e.getMessage().isBlank());
        // the driver's failure is reported again, with the same message, on every call
        String first = assertThrows(CudaUnavailableException.class, CudaLibraries::driver).getMessage();
        assertEquals(first, assertThrows(CudaUnavailableException.class, CudaLibraries::driver).getMessage());
    }
}
