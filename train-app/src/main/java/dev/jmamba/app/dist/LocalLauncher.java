package dev.jmamba.app.dist;

import dev.jmamba.app.UserError;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code jmamba train --gpus N}: starts N copies of this JVM, one per local GPU, each a rank of one
 * data-parallel run, and waits for them. Child i gets {@code RANK=i WORLD_SIZE=N LOCAL_RANK=i
 * LOCAL_WORLD_SIZE=N MASTER_ADDR=127.0.0.1 MASTER_PORT=<a free port>}, {@code CUDA_VISIBLE_DEVICES}
 * = the i-th GPU this process may use (so every child sees its GPU as cuda:0) and
 * {@code NCCL_NVLS_ENABLE=0} (NVLink multicast off: on shared hosts it can take every GPU out of
 * service). Rank 0's output is this command's output; every child's stderr comes through with a
 * {@code [rank i]} prefix.
 *
 * <p>When a child fails, the others stop by themselves (the rendezvous heartbeat tells them which
 * rank died); children still running after {@link #GRACE_SECONDS} are terminated. The exit code is
 * the first non-zero code of a child, else 0. SIGTERM to this process is passed on to the children
 * (each writes a checkpoint and stops); Ctrl-C reaches them directly from the terminal.
 */
public final class LocalLauncher {
    /** How long the other children may take to stop after one failed. */
    static final int GRACE_SECONDS = 60;

    private LocalLauncher() {}

    /**
     * The environment of child {@code rank} of {@code world}, from this process's {@code parentEnv}:
     * {@code visible} are the CUDA device ids to hand out (CUDA_VISIBLE_DEVICES entries or indices).
     */
    static Map<String, String> childEnv(Map<String, String> parentEnv, int rank, int world, List<String> visible, int port) {
        Map<String, String> env = new LinkedHashMap<>(parentEnv);
        env.remove("JMAMBA_STDERR_FD");          // a descriptor of the launcher script, not open in the child
        env.put("RANK", String.valueOf(rank));
        env.put("WORLD_SIZE", String.valueOf(world));
        env.put("LOCAL_RANK", String.valueOf(rank));
        env.put("LOCAL_WORLD_SIZE", String.valueOf(world));
        env.put("MASTER_ADDR", LaunchEnv.DEFAULT_ADDR);
        env.put("MASTER_PORT", String.valueOf(port));
        env.put("CUDA_VISIBLE_DEVICES", visible.get(rank));
        env.put("NCCL_NVLS_ENABLE", "0");
        return env;
    }

    /** The GPUs this process may hand out: the entries of CUDA_VISIBLE_DEVICES, else 0..count-1. */
    static List<String> visibleDevices(String cudaVisibleDevices, int count) {
        List<String> ids = new ArrayList<>();
        if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
            for (String s : cudaVisibleDevices.split(",")) if (!s.isBlank()) ids.add(s.strip());
            return ids.subList(0, Math.min(ids.size(), count));
        }
        for (int i = 0; i < count; i++) ids.add(String.valueOf(i));
        return ids;
    }

    /** {@code args} without the {@code --gpus N} / {@code --gpus=N} option, with {@code extra} appended. */
    static List<String> childArgs(List<String> args, List<String> extra) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--gpus")) {
                i++;
                continue;
            }
            if (a.startsWith("--gpus=")) continue;
            out.add(a);
        }
        out.addAll(extra);
        return out;
    }

    /** The command that starts this JVM again with {@code args} for its main class: same java, JVM options and class path. */
    static List<String> javaCommand(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String jvmArg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!jvmArg.startsWith("-agentlib:jdwp")) cmd.add(jvmArg);       // never two debuggers on one port
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.jmamba.app.Main");
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Runs {@code gpus} children with the command-line arguments {@code args} (the {@code --gpus}
     * option is removed, {@code extra} added) and returns the exit code of the run.
     */
    public static int run(int gpus, List<String> args, List<String> extra, int availableGpus, PrintStream out, PrintStream err) {
        List<String> visible = visibleDevices(System.getenv("CUDA_VISIBLE_DEVICES"), availableGpus);
        if (gpus < 1) throw UserError.usage("--gpus must be >= 1, got " + gpus);
        if (gpus > visible.size()) {
            throw UserError.usage("--gpus " + gpus + ": this machine shows only " + visible.size() + " CUDA device(s)");
        }
        int port = System.getenv("MASTER_PORT") != null ? LaunchEnv.from(Map.of("RANK", "0", "WORLD_SIZE", "1",
                "MASTER_PORT", System.getenv("MASTER_PORT"))).masterPort() : freePort();
        List<String> command = javaCommand(childArgs(args, extra));
        List<Process> children = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        Runnable forward = () -> { for (Process p : children) if (p.isAlive()) p.destroy(); };
        try {
            for (int r = 0; r < gpus; r++) {
                ProcessBuilder pb = new ProcessBuilder(command);
                pb.environment().clear();
                pb.environment().putAll(childEnv(System.getenv(), r, gpus, visible, port));
                pb.redirectOutput(r == 0 ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.DISCARD);
                pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
                Process p = pb.start();
                children.add(p);
                pumps.add(pump(p, "[rank " + r + "] ", err));
            }
        } catch (IOException e) {
            for (Process p : children) p.destroyForcibly();
            throw UserError.runtime("--gpus: could not start a training process (" + e.getMessage() + ")");
        }
        AutoCloseable signals = installTermForwarding(forward);
        try {
            return await(children, err, GRACE_SECONDS);
        } finally {
            try {
                signals.close();
            } catch (Exception ignored) {
                // restoring the JVM's handler
            }
            for (Thread t : pumps) {
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            out.flush();
        }
    }

    /** Waits for every child; after the first failure gives the rest {@code graceSeconds}, then ends them. Returns the exit code. */
    static int await(List<Process> children, PrintStream err, int graceSeconds) {
        int code = 0;
        long failedAt = -1;
        List<Process> running = new ArrayList<>(children);
        while (!running.isEmpty()) {
            for (Process p : new ArrayList<>(running)) {
                if (p.isAlive()) continue;
                running.remove(p);
                if (p.exitValue() != 0 && code == 0) {
                    code = p.exitValue();
                    failedAt = System.nanoTime();
                }
            }
            if (failedAt >= 0 && !running.isEmpty() && System.nanoTime() - failedAt > TimeUnit.SECONDS.toNanos(graceSeconds)) {
                err.println("jmamba train: " + running.size() + " training process(es) still running " + graceSeconds
                        + " s after rank " + children.indexOf(firstFailed(children)) + " failed: ending them");
                for (Process p : running) p.destroy();
                for (Process p : running) {
                    try {
                        if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        p.destroyForcibly();
                    }
                }
                running.clear();
            }
            if (!running.isEmpty()) {
                try {
                    running.getFirst().waitFor(200, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    for (Process p : running) p.destroy();
                }
            }
        }
        return code;
    }

    private static Process firstFailed(List<Process> children) {
        for (Process p : children) if (!p.isAlive() && p.exitValue() != 0) return p;
        return null;
    }

    /** Copies a child's stderr line by line with a prefix, dropping the JVM's incubator-module warning. */
    private static Thread pump(Process p, String prefix, PrintStream err) {
        return Thread.ofPlatform().daemon().name("jmamba-launcher-" + prefix.strip()).start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("WARNING: Using incubator modules")) continue;
                    synchronized (err) {
                        err.println(prefix + line);
                        err.flush();
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
        });
    }

    /** SIGTERM to the launcher is passed on to the children; Ctrl-C (SIGINT) reaches them from the terminal, so it is ignored here. */
    @SuppressWarnings("removal")
    private static AutoCloseable installTermForwarding(Runnable forward) {
        List<Runnable> restore = new ArrayList<>();
        try {
            sun.misc.Signal term = new sun.misc.Signal("TERM");
            sun.misc.SignalHandler previous = sun.misc.Signal.handle(term, s -> forward.run());
            restore.add(() -> sun.misc.Signal.handle(term, previous));
            sun.misc.Signal intr = new sun.misc.Signal("INT");
            sun.misc.SignalHandler previousInt = sun.misc.Signal.handle(intr, s -> { });
            restore.add(() -> sun.misc.Signal.handle(intr, previousInt));
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // signals reserved (-Xrs): the children still get Ctrl-C from the terminal
        }
        return () -> { for (Runnable r : restore) r.run(); };
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw UserError.runtime("--gpus: could not find a free TCP port for the rendezvous (" + e.getMessage() + "); set MASTER_PORT");
        }
    }
}
