package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import java.util.Locale;

/** What the GPU labs of the test sources (CudaTensorBench, MatmulSplitSweep, Ss2dOpsSweep) share. */
final class GpuLab {
    static final Device GPU = Device.cuda(0);

    private GpuLab() {}

    /**
     * Device 0's backend, after printing a {@code {"case":"device"}} JSON line; when there is no CUDA device, prints an
     * {@code {"error"}} line naming why and exits with status 1.
     */
    static CudaBackend backendOrExit() {
        if (!Backends.isAvailable(GPU)) {
            System.out.println("{\"error\":\"no CUDA device: " + new CudaDeviceProvider().unavailableReason().replace('"', '\'') + "\"}");
            System.exit(1);
        }
        CudaBackend backend = (CudaBackend) Backends.raw(GPU);
        CudaContext context = backend.context();
        System.out.println(String.format(Locale.ROOT, "{\"case\":\"device\",\"name\":\"%s\",\"arch\":\"%s\",\"sms\":%d}",
                context.name(), context.architecture(), context.multiprocessors()));
        return backend;
    }
}
