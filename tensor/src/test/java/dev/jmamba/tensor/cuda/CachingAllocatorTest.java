package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Size classes, reuse, stats, OOM retry and graph-capture holding, on fake device memory. */
class CachingAllocatorTest {
    private static final long MIB = 1L << 20;
    private static final long STREAM_A = 0x1000;
    private static final long STREAM_B = 0x2000;

    @Test
    void sizeClasses() {
        assertEquals(512, CachingAllocator.roundSize(1));
        assertEquals(512, CachingAllocator.roundSize(512));
        assertEquals(1024, CachingAllocator.roundSize(513));
        assertEquals(MIB, CachingAllocator.roundSize(MIB - 1));      // below 1 MiB: 512-byte steps
        assertEquals(2 * MIB, CachingAllocator.roundSize(MIB));      // from 1 MiB: 2 MiB steps
        assertEquals(2 * MIB, CachingAllocator.roundSize(2 * MIB));
        assertEquals(4 * MIB, CachingAllocator.roundSize(2 * MIB + 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CachingAllocator.roundSize(0));
        assertTrue(e.getMessage().contains("got 0 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CachingAllocator.roundSize(Long.MAX_VALUE));
    }

    @Test
    void freedBlockIsReusedOnTheSameStreamOnly() {
        FakeDeviceMemory device = new FakeDeviceMemory(1L << 40);
        CachingAllocator allocator = new CachingAllocator(device);
        long first = allocator.allocate(1000, STREAM_A);
        allocator.free(first);
        assertEquals(first, allocator.allocate(900, STREAM_A), "same size class, same stream: the cached block");
        assertEquals(1, device.allocCalls);
        long other = allocator.allocate(1000, STREAM_B);
        assertNotEquals(first, other, "another stream must not get a block that stream A may still use");
        assertEquals(2, device.allocCalls);
        long bigger = allocator.allocate(5000, STREAM_A);
        assertNotEquals(first, bigger);
        CachingAllocator.Stats stats = allocator.stats();
        assertEquals(3, stats.deviceAllocCalls());
        assertEquals(1, stats.cacheHits());
        assertEquals(1024 + 1024 + 5120, stats.allocatedBytes());
        assertEquals(stats.allocatedBytes(), stats.reservedBytes());
    }

    @Test
    void largeBlocksAreSplitBestFitAndMergeBackWhenFreed() {
        FakeDeviceMemory device = new FakeDeviceMemory(1L << 40);
        CachingAllocator allocator = new CachingAllocator(device);
        long big = allocator.allocate(64 * MIB, STREAM_A);
        long guard = allocator.allocate(8 * MIB, STREAM_A);          // another segment, stays in use
        allocator.free(big);
        long half = allocator.allocate(32 * MIB, STREAM_A);
        long quarter = allocator.allocate(15 * MIB, STREAM_A);        // 16 MiB class
        assertEquals(big, half, "the cached 64 MiB segment is split: its head serves 32 MiB");
        assertEquals(big + 32 * MIB, quarter, "and the rest serves the next request");
        assertEquals(2, device.allocCalls, "no new device allocation");
        assertEquals(48 * MIB + 8 * MIB, allocator.stats().allocatedBytes());
        assertEquals(72 * MIB, allocator.stats().reservedBytes());
        assertNotEquals(big, allocator.allocate(32 * MIB, STREAM_B), "another stream never gets a piece");
        allocator.releaseCached();
        assertEquals(72 * MIB + 32 * MIB, allocator.stats().reservedBytes(), "a partly used segment is not given back");
        allocator.free(half);
        allocator.free(quarter);                                      // merges with the head and the free tail
        assertEquals(big, allocator.allocate(64 * MIB, STREAM_A), "the pieces merged back into one 64 MiB block");
        assertEquals(3, device.allocCalls);
        allocator.free(big);
        allocator.releaseCached();                                    // whole again: returned to the device
        assertEquals(8 * MIB + 32 * MIB, device.used());
        allocator.free(guard);
    }

    @Test
    void sharedSegmentsHoldSeveralTensorsWhoseFreedNeighboursMerge() {
        FakeDeviceMemory device = new FakeDeviceMemory(1L << 40);
        CachingAllocator allocator = new CachingAllocator(device, 256 * MIB, false);
        long a = allocator.allocate(64 * MIB, STREAM_A), b = allocator.allocate(64 * MIB, STREAM_A);
        long c = allocator.allocate(100 * MIB, STREAM_A);
        assertEquals(1, device.allocCalls, "three tensors cut from one 256 MiB segment");
        assertEquals(a + 64 * MIB, b);
        assertEquals(b + 64 * MIB, c);
        assertEquals(256 * MIB, allocator.stats().reservedBytes());
        allocator.free(a);
        allocator.free(b);
        assertEquals(a, allocator.allocate(128 * MIB, STREAM_A), "the two freed neighbours merged: a larger request fits");
        assertEquals(1, device.allocCalls, "no new device memory for it");
        long huge = allocator.allocate(400 * MIB, STREAM_A);
        assertEquals(2, device.allocCalls, "a request above the segment size gets its own exact segment");
        assertEquals(256 * MIB + 400 * MIB, allocator.stats().reservedBytes());
        allocator.free(huge);
        allocator.free(c);
    }

    @Test
    void aSharedSegmentTheDeviceCannotHoldFallsBackToTheRequest() {
        FakeDeviceMemory device = new FakeDeviceMemory(100 * MIB);
        CachingAllocator allocator = new CachingAllocator(device, 256 * MIB, false);
        long p = allocator.allocate(64 * MIB, STREAM_A);
        assertEquals(64 * MIB, allocator.stats().reservedBytes(), "no room for 256 MiB: the 64 MiB request alone");
        allocator.free(p);
        assertThrows(dev.jmamba.tensor.JmambaException.class, () -> new CachingAllocator(device, -1, false));
    }

    @Test
    void freeSegmentsTooSmallForARequestGoBackBeforeANewOneIsTaken() {
        FakeDeviceMemory device = new FakeDeviceMemory(1L << 40);
        CachingAllocator allocator = new CachingAllocator(device, 0, true);
        long a = allocator.allocate(40 * MIB, STREAM_A), b = allocator.allocate(64 * MIB, STREAM_A);
        long c = allocator.allocate(20 * MIB, STREAM_A), inUse = allocator.allocate(8 * MIB, STREAM_A);
        allocator.free(a);
        allocator.free(b);
        allocator.free(c);
        allocator.allocate(200 * MIB, STREAM_A);                     // 124 MiB free in whole segments: not enough, none go back
        assertEquals(0, device.freeCalls);
        assertEquals(332 * MIB, allocator.stats().reservedBytes());
        allocator.allocate(50 * MIB, STREAM_A);                      // the 64 MiB segment serves it (best fit), split
        long big = allocator.allocate(58 * MIB, STREAM_A);           // 20 + 40 = 60 MiB whole and free: both go back first
        assertEquals(2, device.freeCalls, "the two smallest whole free segments were returned");
        assertEquals(332 * MIB - 60 * MIB + 58 * MIB, allocator.stats().reservedBytes());
        allocator.free(big);
        allocator.free(inUse);
        CachingAllocator off = new CachingAllocator(new FakeDeviceMemory(1L << 40), 0, false);
        off.free(off.allocate(10 * MIB, STREAM_A));
        off.allocate(20 * MIB, STREAM_A);
        assertEquals(30 * MIB, off.stats().reservedBytes(), "without the option the free segment stays cached");
    }

    /** The backend switches the option per precision (bf16 on) when no -Djmamba.cuda.reuseFreeSegments was given (the test JVM gives none). */
    @Test
    void theOptionCanBeSwitchedWhenNoPropertySetIt() {
        org.junit.jupiter.api.Assumptions.assumeFalse(CachingAllocator.REUSE_FREE_SEGMENTS_SET, "the property is set: it wins");
        for (boolean on : new boolean[] {true, false}) {
            FakeDeviceMemory device = new FakeDeviceMemory(1L << 40);
            CachingAllocator allocator = new CachingAllocator(device, 0, !on);
            allocator.reuseFreeSegmentsUnlessSet(on);
            allocator.free(allocator.allocate(10 * MIB, STREAM_A));
            allocator.free(allocator.allocate(14 * MIB, STREAM_A));
            allocator.allocate(20 * MIB, STREAM_A);                  // fits neither free segment; together they are 24 MiB
            assertEquals(on ? 20 * MIB : 44 * MIB, allocator.stats().reservedBytes(), on ? "switched on: both went back first" : "switched off: both stay cached");
            assertEquals(on ? 2 : 0, device.freeCalls);
        }
    }

    @Test
    void smallRequestsNeverSplitALargeBlock() {
        FakeDeviceMemory device = new FakeDeviceMemory(1L << 40);
        CachingAllocator allocator = new CachingAllocator(device);
        allocator.free(allocator.allocate(4 * MIB, STREAM_A));
        allocator.allocate(1000, STREAM_A);
        assertEquals(2, device.allocCalls, "small blocks come from their own exact-size lists");
    }

    @Test
    void statsTrackAllocatedReservedAndPeak() {
        FakeDeviceMemory device = new FakeDeviceMemory(1L << 40);
        CachingAllocator allocator = new CachingAllocator(device);
        long a = allocator.allocate(3 * MIB, STREAM_A);   // 4 MiB class
        long b = allocator.allocate(100, STREAM_A);       // 512 B class
        allocator.free(a);
        CachingAllocator.Stats stats = allocator.stats();
        assertEquals(512, stats.allocatedBytes());
        assertEquals(4 * MIB + 512, stats.reservedBytes());
        assertEquals(4 * MIB + 512, stats.peakAllocatedBytes());
        assertEquals(4 * MIB + 512, stats.peakReservedBytes());
        allocator.releaseCached();
        assertEquals(512, allocator.stats().reservedBytes());
        assertEquals(512, device.used());
        allocator.free(b);
        allocator.close();
        assertEquals(0, device.used());
        assertEquals(0, device.outstandingBlocks());
    }

    @Test
    void badFreesAreRejected() {
        CachingAllocator allocator = new CachingAllocator(new FakeDeviceMemory(1L << 30));
        long p = allocator.allocate(64, STREAM_A);
        allocator.free(p);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> allocator.free(p));
        assertTrue(twice.getMessage().contains(Long.toHexString(p)), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> allocator.free(12345));
    }

    @Test
    void outOfMemoryReleasesTheCacheAndRetriesOnce() {
        FakeDeviceMemory device = new FakeDeviceMemory(10 * MIB);
        CachingAllocator allocator = new CachingAllocator(device);
        long a = allocator.allocate(4 * MIB, STREAM_A);
        long b = allocator.allocate(4 * MIB, STREAM_A);
        allocator.free(a);
        allocator.free(b);                                  // 8 MiB cached, 2 MiB free on the device
        long c = allocator.allocate(6 * MIB, STREAM_A);     // needs the cache given back
        assertEquals(2, device.freeCalls);
        assertEquals(6 * MIB, device.used());
        assertEquals(6 * MIB, allocator.stats().reservedBytes());
        allocator.free(c);
    }

    @Test
    void outOfMemoryAfterRetryNamesSizeAndStats() {
        FakeDeviceMemory device = new FakeDeviceMemory(10 * MIB);
        CachingAllocator allocator = new CachingAllocator(device);
        allocator.allocate(8 * MIB, STREAM_A);
        CudaException e = assertThrows(CudaException.class, () -> allocator.allocate(5 * MIB, STREAM_A));
        assertTrue(e.isOutOfMemory());
        String message = e.getMessage();
        assertTrue(message.contains("5242880 bytes"), message);
        assertTrue(message.contains("size class 6291456 bytes"), message);
        assertTrue(message.contains("allocated 8388608 B"), message);
        assertTrue(message.contains("device allocations"), message);
    }

    @Test
    void otherDeviceErrorsPassThrough() {
        DeviceMemory broken = new DeviceMemory() {
            @Override
            public long alloc(long bytes) {
                throw new CudaException("cuMemAlloc_v2", 201, "CUDA_ERROR_INVALID_CONTEXT");
            }

            @Override
            public void free(long pointer) {}
        };
        CudaException e = assertThrows(CudaException.class, () -> new CachingAllocator(broken).allocate(10, STREAM_A));
        assertEquals(201, e.code());
    }

    @Test
    void blocksFreedDuringCaptureWaitForTheGraph() {
        FakeDeviceMemory device = new FakeDeviceMemory(1L << 40);
        CachingAllocator allocator = new CachingAllocator(device);
        long beforeCapture = allocator.allocate(1000, STREAM_A);
        allocator.beginCapture();
        assertThrows(IllegalStateException.class, allocator::beginCapture);
        long temporary = allocator.allocate(1000, STREAM_A);
        allocator.free(temporary);
        allocator.free(beforeCapture);
        long during = allocator.allocate(1000, STREAM_A);
        assertNotEquals(temporary, during, "a block freed during capture is used by the graph");
        assertNotEquals(beforeCapture, during);
        CachingAllocator.CapturedBlocks held = allocator.endCapture();
        assertEquals(2, held.size());
        allocator.releaseCached();   // held blocks are not in the cache: they stay allocated
        assertEquals(3, device.outstandingBlocks());
        Set<Long> afterGraph = new HashSet<>();
        afterGraph.add(allocator.allocate(1000, STREAM_A));
        assertTrue(!afterGraph.contains(temporary) && !afterGraph.contains(beforeCapture));
        allocator.releaseCaptured(held);
        afterGraph.add(allocator.allocate(1000, STREAM_A));
        afterGraph.add(allocator.allocate(1000, STREAM_A));
        assertTrue(afterGraph.contains(temporary) && afterGraph.contains(beforeCapture), "reused once the graph is gone");
        assertThrows(IllegalStateException.class, allocator::endCapture);
    }

    /** A seeded random workload checked against a model: no two live blocks overlap, books balance. */
    @Test
    void randomWorkloadKeepsBooksBalanced() {
        SplittableRandom random = new SplittableRandom(20260401);
        FakeDeviceMemory device = new FakeDeviceMemory(1L << 36);
        CachingAllocator allocator = new CachingAllocator(device);
        Map<Long, Long> live = new HashMap<>(); // pointer → rounded size
        java.util.TreeMap<Long, Long> byAddress = new java.util.TreeMap<>();
        List<Long> order = new ArrayList<>();
        long[] streams = {STREAM_A, STREAM_B};
        for (int step = 0; step < 5000; step++) {
            if (live.isEmpty() || random.nextInt(100) < 55) {
                long bytes = random.nextBoolean() ? 1 + random.nextLong(MIB) : 1 + random.nextLong(64 * MIB);
                long p = allocator.allocate(bytes, streams[random.nextInt(2)]);
                long size = CachingAllocator.roundSize(bytes);
                Map.Entry<Long, Long> below = byAddress.floorEntry(p), above = byAddress.ceilingEntry(p);
                assertTrue(below == null || below.getKey() + below.getValue() <= p, "overlaps the block at " + below);
                assertTrue(above == null || p + size <= above.getKey(), "overlaps the block at " + above);
                byAddress.put(p, size);
                assertTrue(live.put(p, size) == null, "pointer handed out twice: " + p);
                order.add(p);
            } else {
                long p = order.remove(random.nextInt(order.size()));
                live.remove(p);
                byAddress.remove(p);
                allocator.free(p);
            }
            if (step % 997 == 0) allocator.releaseCached();
            CachingAllocator.Stats stats = allocator.stats();
            assertEquals(live.values().stream().mapToLong(Long::longValue).sum(), stats.allocatedBytes());
            assertEquals(device.used(), stats.reservedBytes());
            assertTrue(stats.reservedBytes() >= stats.allocatedBytes());
            assertTrue(stats.peakAllocatedBytes() >= stats.allocatedBytes());
        }
        assertEquals(device.allocCalls, allocator.stats().deviceAllocCalls());
        assertTrue(allocator.stats().cacheHits() > 0);
    }
}
