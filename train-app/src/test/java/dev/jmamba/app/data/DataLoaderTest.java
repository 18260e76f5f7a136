package dev.jmamba.app.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DataLoaderTest {

    private static final SyntheticDataset DATA = SyntheticDataset.train(70, 3, 16, 16, 9);

    private static List<Batch> epoch(DataLoader loader, int epoch, int start) {
        List<Batch> out = new ArrayList<>();
        try (DataLoader.EpochIterator it = loader.epoch(epoch, start)) {
            while (it.hasNext()) out.add(it.next());
        }
        return out;
    }

    private static DataLoader trainLoader(int workers, int prefetch) {
        SamplePipeline pipeline = SamplePipeline.smallTrain(DATA, 16, 2, 0.25);
        return new DataLoader(DATA, pipeline, MixupCutmix.recipe(10), new DataLoader.Options(8, true, true, workers, prefetch, 1234));
    }

    @Test
    @Timeout(60)
    void batchesAreBitIdenticalForOneAndThreeWorkers() {
        List<Batch> one;
        List<Batch> three;
        try (DataLoader a = trainLoader(1, 1); DataLoader b = trainLoader(3, 5)) {
            one = epoch(a, 2, 0);
            three = epoch(b, 2, 0);
        }
        assertEquals(70 / 8, one.size());
        assertEquals(one.size(), three.size());
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < one.size(); i++) {
            Batch x = one.get(i);
            Batch y = three.get(i);
            assertEquals(i, x.batchIndex());
            assertArrayEquals(x.images(), y.images());
            assertArrayEquals(x.labels(), y.labels());
            assertArrayEquals(x.indices(), y.indices());
            assertArrayEquals(x.softTargets(), y.softTargets());
            assertArrayEquals(new int[] {8, 3, 16, 16}, x.shape());
            for (int k = 0; k < x.size(); k++) {
                assertTrue(seen.add(x.indices()[k]), "index repeated within the epoch");
                assertEquals(DATA.label(x.indices()[k]), x.labels()[k]);
            }
        }
    }

    /** Recycled image arrays (filled with garbage first) are reused and give the same batches as fresh ones. */
    @Test
    @Timeout(60)
    void recycledImageArraysAreReusedAndGiveTheSameBatches() {
        List<Batch> fresh;
        try (DataLoader a = trainLoader(2, 1)) {
            fresh = epoch(a, 1, 0);
        }
        try (DataLoader b = trainLoader(2, 1)) {
            Set<float[]> handedBack = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            int reused = 0;
            try (DataLoader.EpochIterator it = b.epoch(1, 0)) {
                for (int i = 0; it.hasNext(); i++) {
                    Batch x = it.next();
                    if (handedBack.contains(x.images())) reused++;
                    assertArrayEquals(fresh.get(i).images(), x.images(), "batch " + i);
                    assertArrayEquals(fresh.get(i).softTargets(), x.softTargets(), "batch " + i);
                    java.util.Arrays.fill(x.images(), Float.NaN);             // a reused array must be overwritten completely
                    handedBack.add(x.images());
                    b.recycle(x);
                }
            }
            assertTrue(reused > 0, "no recycled array was reused");
        }
    }

    @Test
    @Timeout(60)
    void epochsDifferAndResumeReproducesTheTail() {
        try (DataLoader loader = trainLoader(2, 3)) {
            List<Batch> full = epoch(loader, 0, 0);
            List<Batch> tail = epoch(loader, 0, 5);
            assertEquals(full.size() - 5, tail.size());
            for (int i = 0; i < tail.size(); i++) {
                assertEquals(5 + i, tail.get(i).batchIndex());
                assertArrayEquals(full.get(5 + i).images(), tail.get(i).images());
                assertArrayEquals(full.get(5 + i).softTargets(), tail.get(i).softTargets());
            }
            assertArrayEquals(full.get(3).images(), loader.loadBatch(0, 3).images());
            List<Batch> next = epoch(loader, 1, 0);
            assertFalse(java.util.Arrays.equals(full.get(0).indices(), next.get(0).indices()), "each epoch has its own order");
        }
    }

    @Test
    @Timeout(60)
    void evaluationOrderIsFixedAndKeepsTheLastPartialBatch() {
        SamplePipeline pipeline = SamplePipeline.smallEval(DATA, 16);
        try (DataLoader loader = new DataLoader(DATA, pipeline, null, DataLoader.Options.evaluation(16, 2))) {
            List<Batch> batches = epoch(loader, 0, 0);
            assertEquals(5, batches.size());
            assertEquals(6, batches.get(4).size());
            assertNull(batches.get(0).softTargets());
            int expected = 0;
            for (Batch b : batches) for (int index : b.indices()) assertEquals(expected++, index);
            // evaluation output is the normalised sample itself: (x - 0.5) / 0.5
            float[] raw = DATA.load(17).image().data();
            Batch second = batches.get(1);
            int len = 3 * 16 * 16;
            for (int k = 0; k < len; k++) assertEquals((raw[k] - 0.5f) / 0.5f, second.images()[len + k], 1e-6f);
        }
    }

    /**
     * A batch is handed out as soon as its own samples are done, not after the samples of every batch submitted
     * behind it (an epoch's start submits `prefetch` batches at once): here the later batches' samples wait
     * until batch 0 has been handed out, which only works when nothing of batch 0 queues behind them.
     */
    @Test
    @Timeout(30)
    void theFirstBatchOfAnEpochDoesNotWaitForThePrefetchedOnes() throws Exception {
        java.util.concurrent.CountDownLatch firstHandedOut = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean waitedInVain = new java.util.concurrent.atomic.AtomicBoolean();
        Dataset gated = new TransformsTest.FolderLike(DATA) {
            @Override public Sample load(int index) {
                try {
                    if (index >= 10 && !firstHandedOut.await(5, java.util.concurrent.TimeUnit.SECONDS)) waitedInVain.set(true);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.load(index);
            }
        };
        SamplePipeline pipeline = SamplePipeline.smallEval(DATA, 16);
        try (DataLoader loader = new DataLoader(gated, pipeline, null, new DataLoader.Options(10, false, false, 2, 4, 0));
             DataLoader.EpochIterator it = loader.epoch(0)) {
            Batch first = it.next();
            assertFalse(waitedInVain.get(), "batch 0 was handed out only after later batches' samples gave up waiting for it");
            firstHandedOut.countDown();
            assertEquals(0, first.batchIndex());
            while (it.hasNext()) it.next();
            assertFalse(waitedInVain.get());
        }
    }

    @Test
    @Timeout(30)
    void workerFailureSurfacesWithItsCause() {
        Dataset failing = new TransformsTest.FolderLike(DATA) {
            @Override public Sample load(int index) {
                if (index == 33) throw new DataException("sample 33 is broken");
                return super.load(index);
            }
        };
        SamplePipeline pipeline = SamplePipeline.smallEval(DATA, 16);
        try (DataLoader loader = new DataLoader(failing, pipeline, null, new DataLoader.Options(10, false, false, 3, 4, 0))) {
            DataLoader.EpochIterator it = loader.epoch(0);
            it.next();
            it.next();
            it.next();
            DataException e = assertThrows(DataException.class, it::next); // batch 3 holds index 33
            assertTrue(e.getMessage().contains("batch 3 of epoch 0"), e.getMessage());
            assertEquals("sample 33 is broken", e.getCause().getMessage());
            assertFalse(it.hasNext());
        }
    }

    @Test
    @Timeout(30)
    void wrongPipelineShapeIsReported() {
        SamplePipeline wrong = new SamplePipeline(SamplePipeline.smallEval(DATA, 16).transform(), 3, 32, 32);
        try (DataLoader loader = new DataLoader(DATA, wrong, null, DataLoader.Options.evaluation(4, 1))) {
            DataException e = assertThrows(DataException.class, () -> epoch(loader, 0, 0));
            assertTrue(e.getCause().getMessage().contains("(3, 16, 16)") && e.getCause().getMessage().contains("(3, 32, 32)"), e.getCause().getMessage());
        }
    }

    @Test
    @Timeout(30)
    void closedLoaderFailsInsteadOfHanging() {
        DataLoader loader = trainLoader(1, 2);
        DataLoader.EpochIterator it = loader.epoch(0);
        loader.close();
        assertThrows(DataException.class, () -> {
            while (it.hasNext()) it.next();
        });
    }
}
