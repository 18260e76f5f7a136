package dev.jmamba.app.dist;

import dev.jmamba.app.UserError;
import java.util.HashMap;
import java.util.Map;

/**
 * Where this process stands in a multi-process run, read from the variables that launchers set:
 * <ul>
 *   <li>torchrun and {@code jmamba train --gpus N}: {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}
 *       (default: RANK), {@code LOCAL_WORLD_SIZE} (default: WORLD_SIZE), {@code MASTER_ADDR} (default
 *       127.0.0.1), {@code MASTER_PORT} (default 29500);</li>
 *   <li>SLURM ({@code srun}): {@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID},
 *       {@code SLURM_NTASKS_PER_NODE} (its first number); {@code MASTER_ADDR} if set, else the first host
 *       of {@code SLURM_JOB_NODELIST}; {@code MASTER_PORT} as above.</li>
 * </ul>
 * RANK wins over SLURM_PROCID (torchrun started inside a SLURM job). Without either, the run is
 * single-process ({@link #from} returns null).
 *
 * @param rank           this process, 0 ≤ rank < worldSize; rank 0 serves the rendezvous, writes metrics and checkpoints
 * @param worldSize      processes in the run (one GPU each)
 * @param localRank      this process on its machine: picks the GPU ({@link #deviceIndex})
 * @param localWorldSize processes on this machine
 * @param masterAddr     host of rank 0, where the rendezvous listens
 * @param masterPort     TCP port of the rendezvous
 * @param source         "torchrun" (the RANK variables) or "SLURM"
 */
public record LaunchEnv(int rank, int worldSize, int localRank, int localWorldSize, String masterAddr, int masterPort, String source) {
    /** torchrun's default rendezvous port. */
    public static final int DEFAULT_PORT = 29500;
    /** Where rank 0 is when MASTER_ADDR is not set: this machine. */
    public static final String DEFAULT_ADDR = "127.0.0.1";

    /** This process's launcher variables, or null when it was not started as one rank of several. */
    public static LaunchEnv fromSystem() {
        Map<String, String> env = new HashMap<>();   // each name read on its own line, so the settings table check sees it
        put(env, "RANK", System.getenv("RANK"));
        put(env, "WORLD_SIZE", System.getenv("WORLD_SIZE"));
        put(env, "LOCAL_RANK", System.getenv("LOCAL_RANK"));
        put(env, "LOCAL_WORLD_SIZE", System.getenv("LOCAL_WORLD_SIZE"));
        put(env, "MASTER_ADDR", System.getenv("MASTER_ADDR"));
        put(env, "MASTER_PORT", System.getenv("MASTER_PORT"));
        put(env, "SLURM_PROCID", System.getenv("SLURM_PROCID"));
        put(env, "SLURM_NTASKS", System.getenv("SLURM_NTASKS"));
        put(env, "SLURM_LOCALID", System.getenv("SLURM_LOCALID"));
        put(env, "SLURM_NTASKS_PER_NODE", System.getenv("SLURM_NTASKS_PER_NODE"));
        put(env, "SLURM_JOB_NODELIST", System.getenv("SLURM_JOB_NODELIST"));
        return from(env);
    }

    private static void put(Map<String, String> env, String name, String value) {
        if (value != null) env.put(name, value);
    }

    /** The launcher variables in {@code env}, or null when there are none; a usage error names a bad or missing one. */
    public static LaunchEnv from(Map<String, String> env) {
        String addr = blankToNull(env.get("MASTER_ADDR"));
        int port = env.get("MASTER_PORT") == null ? DEFAULT_PORT : integer(env, "MASTER_PORT", 1, 65535);
        if (present(env, "RANK") || present(env, "WORLD_SIZE")) {
            require(env, "RANK", "WORLD_SIZE");
            require(env, "WORLD_SIZE", "RANK");
            int world = integer(env, "WORLD_SIZE", 1, Integer.MAX_VALUE);
            int rank = integer(env, "RANK", 0, world - 1);
            int localWorld = present(env, "LOCAL_WORLD_SIZE") ? integer(env, "LOCAL_WORLD_SIZE", 1, world) : world;
            int localRank = present(env, "LOCAL_RANK") ? integer(env, "LOCAL_RANK", 0, localWorld - 1) : rank % localWorld;
            return new LaunchEnv(rank, world, localRank, localWorld, addr == null ? DEFAULT_ADDR : addr, port, "torchrun");
        }
        if (present(env, "SLURM_PROCID")) {
            if (!present(env, "SLURM_NTASKS")) {
                throw UserError.usage("SLURM_PROCID is set but SLURM_NTASKS is not: start the run with srun --ntasks=N (one task per GPU)");
            }
            int world = integer(env, "SLURM_NTASKS", 1, Integer.MAX_VALUE);
            int rank = integer(env, "SLURM_PROCID", 0, world - 1);
            int localWorld = present(env, "SLURM_NTASKS_PER_NODE") ? firstCount(env.get("SLURM_NTASKS_PER_NODE"), world) : world;
            int localRank = present(env, "SLURM_LOCALID") ? integer(env, "SLURM_LOCALID", 0, Integer.MAX_VALUE) : 0;
            if (addr == null) {
                String nodes = blankToNull(env.get("SLURM_JOB_NODELIST"));
                if (nodes == null && world > 1) {
                    throw UserError.usage("under SLURM set MASTER_ADDR to the first node of the job (export MASTER_ADDR=$(scontrol show hostnames"
                            + " \"$SLURM_JOB_NODELIST\" | head -n 1)); neither it nor SLURM_JOB_NODELIST is set");
                }
                addr = nodes == null ? DEFAULT_ADDR : firstHost(nodes);
            }
            return new LaunchEnv(rank, world, localRank, localWorld, addr, port, "SLURM");
        }
        return null;
    }

    /** True for the rank that writes metrics, checkpoints and the console output. */
    public boolean leader() {
        return rank == 0;
    }

    /**
     * The CUDA device index of this process among the {@code visibleDevices} it sees: 0 when it sees one
     * (the launcher gave each process its own CUDA_VISIBLE_DEVICES), else LOCAL_RANK.
     */
    public int deviceIndex(int visibleDevices) {
        if (visibleDevices == 1) return 0;
        if (localRank >= visibleDevices) {
            throw UserError.usage("rank " + rank + " has local rank " + localRank + " but this machine shows only " + visibleDevices
                    + " CUDA device(s): start at most one process per GPU on each machine");
        }
        return localRank;
    }

    /**
     * The first host of a SLURM node list: {@code gpu[07-09,12],cpu1} → {@code gpu07}; {@code a1,b2} → {@code a1}.
     * Zero padding of the range is kept.
     */
    static String firstHost(String nodeList) {
        String first = nodeList.strip();
        int bracket = first.indexOf('[');
        int comma = first.indexOf(',');
        if (bracket < 0 || comma >= 0 && comma < bracket) return comma < 0 ? first : first.substring(0, comma);
        String prefix = first.substring(0, bracket);
        int end = first.indexOf(']', bracket);
        if (end < 0) throw UserError.usage("SLURM_JOB_NODELIST '" + nodeList + "' has an unclosed '[': set MASTER_ADDR to rank 0's host instead");
        String range = first.substring(bracket + 1, end).split(",")[0];
        return prefix + range.split("-")[0];
    }

    /** The first count of a SLURM tasks-per-node value such as {@code 4(x2),2} → 4. */
    private static int firstCount(String value, int max) {
        String digits = value.strip().replaceFirst("^(\\d+).*$", "$1");
        try {
            return Math.clamp(Integer.parseInt(digits), 1, max);
        } catch (NumberFormatException e) {
            throw UserError.usage("SLURM_NTASKS_PER_NODE '" + value + "' does not start with a number");
        }
    }

    private static boolean present(Map<String, String> env, String name) {
        return blankToNull(env.get(name)) != null;
    }

    private static void require(Map<String, String> env, String name, String because) {
        if (!present(env, name)) {
            throw UserError.usage(because + " is set but " + name + " is not: a multi-process run needs RANK and WORLD_SIZE"
                    + " (as torchrun sets them), or neither for a single process");
        }
    }

    private static int integer(Map<String, String> env, String name, int min, int max) {
        String v = env.get(name).strip();
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw UserError.usage(name + " must be a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw UserError.usage(name + " must be in " + min + ".." + (max == Integer.MAX_VALUE ? "" : String.valueOf(max)) + ", got " + n);
        }
        return n;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
