package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Device query and memory copies on a real device. */
@Tag("gpu")
class CudaDeviceGpuTest {

    @Test
    void deviceQuery() {
        CudaContext context = GpuTests.context();
        System.out.println("device: " + context + ", driver " + CudaDriver.driverVersion());
        assertFalse(context.name().isBlank());
        assertTrue(context.computeMajor() >= 5, "compute capability " + context.computeMajor() + "." + context.computeMinor());
        assertTrue(context.multiprocessors() > 0);
        assertTrue(context.totalMemory() > (1L << 30), "total memory " + context.totalMemory());
        assertTrue(context.architecture().matches("sm_\\d+"), context.architecture());
        long[] info = CudaDriver.memGetInfo();
        assertTrue(info[0] > 0 && info[0] <= info[1], "free " + info[0] + " of " + info[1]);
        assertEquals(context.totalMemory(), info[1]);
        assertTrue(CudaDriver.deviceCount() >= 1);
    }

    @Test
    void hostDeviceRoundTrip() {
        CudaContext context = GpuTests.context();
        float[] values = GpuTests.uniform(11, 1_000_003, -100, 100);
        long a = context.upload(values);
        long b = context.allocator().allocate(4L * values.length, context.stream());
        CudaDriver.memcpyDtoDAsync(b, a, 4L * values.length, context.stream());
        assertArrayEquals(values, context.download(b, values.length));
        CudaDriver.memsetD32Async(b, Float.floatToRawIntBits(1.5f), values.length, context.stream());
        float[] filled = context.download(b, values.length);
        for (float f : filled) assertEquals(1.5f, f);
        CudaDriver.memsetD8Async(b, (byte) 0, 4L * values.length, context.stream());
        for (float f : context.download(b, values.length)) assertEquals(0f, f);
        context.allocator().free(a);
        context.allocator().free(b);
    }

    @Test
    void eventsMeasurePositiveTime() {
        CudaContext context = GpuTests.context();
        long start = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT);
        long end = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT);
        long buffer = context.allocator().allocate(64L << 20, context.stream());
        CudaDriver.eventRecord(start, context.stream());
        CudaDriver.memsetD32Async(buffer, 0, 16L << 20, context.stream());
        CudaDriver.eventRecord(end, context.stream());
        CudaDriver.eventSynchronize(end);
        assertTrue(CudaDriver.eventElapsedMillis(start, end) > 0);
        CudaDriver.eventDestroy(start);
        CudaDriver.eventDestroy(end);
        context.allocator().free(buffer);
    }
}
