package dev.jmamba.app.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jmamba.app.dist.DataParallel;
import dev.jmamba.app.dist.DistributedRun;
import dev.jmamba.app.dist.LaunchEnv;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.dist.Communicators;
import dev.jmamba.vision.checkpoint.CheckpointStore;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * World size 1 through the real path — TCP rendezvous, NCCL communicator, bucketed all-reduce —
 * trains bit for bit like the plain single-GPU trainer: the checkpoints' model and optimizer files are
 * byte-identical after 4 steps. Three NCCL runs: the default (25 MiB buckets, all-reduced during
 * backward on NCCL's communication stream), 64 KiB buckets during backward (many all-reduces on the
 * communication stream while backward's kernels run, each behind a compute-stream event), and 64 KiB
 * buckets after backward. A second plain run first checks that the plain trainer itself is
 * bit-reproducible on this GPU (otherwise the comparison would mean nothing).
 */
@Tag("gpu")
class DataParallelGpuTest {
    @TempDir Path tmp;

    private static Trainer.Options options(Path dir) {
        return new Trainer.Options(dir, Device.cuda(0), 1, 0, 0, 1, false, 5);
    }

    @Test void worldSizeOneThroughNcclEqualsTheSingleGpuStepBitForBit() throws Exception {
        Assumptions.assumeTrue(Backends.isAvailable(Device.cuda(0)), "no CUDA device: gpu test skipped");
        String missing = null;
        try {
            Communicators.forDevice(Device.cuda(0));
        } catch (RuntimeException e) {
            missing = e.getMessage();
        }
        Assumptions.assumeTrue(missing == null, "no NCCL: " + missing);
        PrintWriter quiet = new PrintWriter(Writer.nullWriter());
        Path plain = tmp.resolve("plain"), again = tmp.resolve("again"), nccl = tmp.resolve("nccl");
        Trainer.run(DataParallelTrainingTest.config(), null, options(plain), quiet);
        Trainer.run(DataParallelTrainingTest.config(), null, options(again), quiet);
        for (String f : List.of(CheckpointStore.MODEL, CheckpointStore.OPTIMIZER)) {
            assertArrayEquals(bytes(plain, f), bytes(again, f), "the plain GPU trainer is not bit-reproducible (" + f + "): nothing to compare against");
        }
        List<DataParallel.Settings> settings = List.of(DataParallel.Settings.DEFAULT, new DataParallel.Settings(64 << 10, true),
                new DataParallel.Settings(64 << 10, false));
        for (DataParallel.Settings setting : settings) {
            Path run = nccl.resolveSibling("nccl-" + setting.bucketBytes() + "-" + setting.overlap());
            Trainer.Outcome o = throughNccl(run, setting, quiet);
            assertEquals(4, o.step());
            for (String f : List.of(CheckpointStore.MODEL, CheckpointStore.OPTIMIZER)) {
                assertArrayEquals(bytes(plain, f), bytes(run, f), f + " differs between the plain and the NCCL world-size-1 run (" + setting + ")");
            }
        }
    }

    /** One rank through the rendezvous and NCCL, gradients combined with {@code settings}. */
    private static Trainer.Outcome throughNccl(Path dir, DataParallel.Settings settings, PrintWriter quiet) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String[] fatal = new String[1];
        DistributedRun dist = DistributedRun.start(new LaunchEnv(0, 1, 0, 1, "127.0.0.1", port, "test"), Device.cuda(0),
                Duration.ofSeconds(60), reason -> fatal[0] = reason).gradientSettings(settings);
        Trainer.Outcome o;
        try {
            o = Trainer.run(DataParallelTrainingTest.config(), null, options(dir), quiet, dist);
            dist.finish();
        } finally {
            dist.close();
        }
        assertNull(fatal[0], "the watchdog saw: " + fatal[0]);
        return o;
    }

    private static byte[] bytes(Path run, String file) throws Exception {
        return Files.readAllBytes(run.resolve(CheckpointStore.DIR_NAME).resolve(file));
    }
}
