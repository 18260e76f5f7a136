package dev.jmamba.app.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Sharding each epoch over ranks: disjoint, covering the single process's global batches, world-size independent positions. */
class ShardTest {

    @Test void shardsAreDisjointAndTogetherAreTheGlobalBatchOfOneProcess() {
        int n = 103, b = 4;
        long seed = 77;
        for (int world : new int[] {1, 2, 3, 4, 8}) {
            for (int epoch = 0; epoch < 3; epoch++) {
                int[] order = Seeds.permutation(seed, epoch, n);
                int batches = new Shard(0, world).batchesPerEpoch(n, b);
                assertEquals(n / (b * world), batches, "drop-last over the global batch");
                Set<Integer> seen = new HashSet<>();
                for (int batch = 0; batch < batches; batch++) {
                    int[] global = new int[b * world];
                    for (int r = 0; r < world; r++) {
                        int[] mine = new Shard(r, world).indices(order, b, batch);
                        assertEquals(b, mine.length, "every rank gets exactly B samples");
                        System.arraycopy(mine, 0, global, r * b, b);
                        for (int i : mine) assertTrue(seen.add(i), "sample " + i + " given twice in epoch " + epoch + " (world " + world + ")");
                    }
                    // the concatenation of the ranks' shares = batch `batch` of a single process with batch B·W
                    assertArrayEquals(new Shard(0, 1).indices(order, b * world, batch), global);
                }
                assertEquals(batches * b * world, seen.size());
                // the dropped remainder is the tail of the order, as for one process
                for (int k = batches * b * world; k < n; k++) assertTrue(!seen.contains(order[k]));
            }
        }
    }

    @Test void pastTheEndAndBadRanksAreRefused() {
        int[] order = Seeds.permutation(1, 0, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Shard(1, 2).indices(order, 2, 2));
        assertTrue(e.getMessage().startsWith("batch 2 is past the end of the epoch (2 global batches of 2 x 2)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Shard(2, 2));
        assertThrows(IllegalArgumentException.class, () -> new Shard(0, 0));
    }

    @Test
    @Timeout(60)
    void shardedLoadersTogetherGiveTheSingleLoadersBatchesBitForBit() {
        SyntheticDataset data = SyntheticDataset.train(50, 3, 8, 8, 5);
        SamplePipeline pipeline = SamplePipeline.smallTrain(data, 8, 1, 0.25);
        int b = 3, world = 2;
        try (DataLoader single = new DataLoader(data, pipeline, null, new DataLoader.Options(b * world, true, true, 1, 2, 9));
             DataLoader r0 = new DataLoader(data, pipeline, null, new DataLoader.Options(b, true, true, 1, 2, 9), new Shard(0, world));
             DataLoader r1 = new DataLoader(data, pipeline, null, new DataLoader.Options(b, true, true, 2, 3, 9), new Shard(1, world))) {
            assertEquals(single.batchesPerEpoch(), r0.batchesPerEpoch());
            for (int batch : new int[] {0, 3, single.batchesPerEpoch() - 1}) {
                Batch whole = single.loadBatch(1, batch), a = r0.loadBatch(1, batch), c = r1.loadBatch(1, batch);
                int len = whole.images().length / (b * world);
                float[] joined = new float[whole.images().length];
                System.arraycopy(a.images(), 0, joined, 0, b * len);
                System.arraycopy(c.images(), 0, joined, b * len, b * len);
                assertArrayEquals(whole.images(), joined, 0f, "augmentation streams follow the sample, not the rank");
                int[] labels = new int[b * world];
                System.arraycopy(a.labels(), 0, labels, 0, b);
                System.arraycopy(c.labels(), 0, labels, b, b);
                assertArrayEquals(whole.labels(), labels);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new DataLoader(data, pipeline, null, DataLoader.Options.evaluation(4, 1), new Shard(0, 2)));
    }
}
