package dev.jmamba.app;

import dev.jmamba.app.dist.DistributedRun;
import dev.jmamba.app.dist.LaunchEnv;
import dev.jmamba.app.dist.LocalLauncher;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.dist.CommunicatorException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of {@code jmamba train} that differ in a multi-process run: {@code --gpus N} (start the
 * processes), and in each process its GPU, the shared run folder and joining the group.
 */
final class MultiGpu {
    private MultiGpu() {}

    /** {@code --gpus N}: starts one training process per GPU and returns the run's exit code. */
    static int launch(TrainCommand cmd, LaunchEnv launch, List<String> originalArgs) {
        if (launch != null) {
            throw UserError.usage("--gpus starts its own processes; this one was started as rank " + launch.rank() + " of " + launch.worldSize()
                    + " (" + launch.source() + " variables are set): leave --gpus out");
        }
        if (cmd.gpus < 1) throw UserError.usage("--gpus must be >= 1, got " + cmd.gpus);
        if (cmd.device != null && !(DeviceOption.syntax(cmd.device) instanceof Device.Cuda)) {
            throw UserError.usage("--gpus trains on CUDA GPUs; leave --device out or give --device cuda (got --device " + cmd.device + ")");
        }
        List<String> extra = new ArrayList<>();
        if (cmd.out == null && cmd.resume == null) {      // every process must write to the same run folder
            extra.add("--out");
            extra.add(TrainCommand.defaultRunDir().toString());
        }
        return LocalLauncher.run(cmd.gpus, originalArgs, extra, visibleGpus(), System.out, System.err);   // the args start with "train"
    }

    /** How many CUDA devices this process sees (0 without CUDA); creates no context. */
    static int visibleGpus() {
        int n = 0;
        while (n < 64 && Backends.isAvailable(Device.cuda(n))) n++;
        return n;
    }

    /** The GPU of this rank: {@code --device cuda[:N]} or nothing; the index comes from LOCAL_RANK (or is 0 when the process sees one GPU). */
    static Device device(LaunchEnv launch, String text) {
        if (text != null && !(DeviceOption.syntax(text) instanceof Device.Cuda)) {
            throw UserError.usage("a multi-process run (" + launch.source() + " variables are set) trains on CUDA GPUs, one per process; got --device " + text);
        }
        int visible = visibleGpus();
        if (visible == 0) return DeviceOption.requireAvailable(Device.cuda(0), "cuda (rank " + launch.rank() + ")");
        return Device.cuda(launch.deviceIndex(visible));
    }

    /** A fresh multi-process run needs {@code --out}: the processes must agree on the run folder. */
    static Path requireOut(LaunchEnv launch, Path defaultDir) {
        if (launch != null && launch.worldSize() > 1) {
            throw UserError.usage("a multi-process run needs --out DIR (the same for every process; rank 0 writes there)");
        }
        return defaultDir;
    }

    /** Joins the group (rendezvous, NCCL); a failure later ends this process with one line on stderr and exit code 1. */
    static DistributedRun start(LaunchEnv launch, Device device, PrintWriter o) {
        DistributedRun run;
        try {
            run = DistributedRun.start(launch, device, DistributedRun.timeout(), reason -> fatal(launch, reason));
        } catch (CommunicatorException e) {
            throw UserError.runtime("rank " + launch.rank() + ": " + e.getMessage());
        }
        o.printf("data parallel: %d processes (%s), this is rank %d on %s%n", launch.worldSize(), launch.source(), launch.rank(), device);
        o.flush();
        return run;
    }

    /** Another rank died or NCCL failed: say so and end this process (the main thread may be stuck in a collective). */
    private static void fatal(LaunchEnv launch, String reason) {
        System.err.println("jmamba train: rank " + launch.rank() + " stops: " + reason);
        System.err.flush();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException ignored) {
                // halt below either way
            }
            Runtime.getRuntime().halt(1);
        });
        Thread.ofPlatform().start(() -> System.exit(1));
    }
}
