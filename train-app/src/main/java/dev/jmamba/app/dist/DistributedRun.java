package dev.jmamba.app.dist;

import dev.jmamba.app.UserError;
import dev.jmamba.nn.Module;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.dist.Communicator;
import dev.jmamba.tensor.dist.CommunicatorException;
import dev.jmamba.tensor.dist.Communicators;
import java.net.InetAddress;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * This process as one rank of a data-parallel run: the rendezvous {@link Session}, the NCCL
 * {@link Communicator} and a watchdog. {@link #start} forms the group: rank 0 makes the NCCL id and
 * serves it on MASTER_PORT, the others fetch it, all join NCCL on their GPU. From then on a daemon
 * thread checks twice a second for a dead peer (the session's heartbeat) and for an NCCL
 * asynchronous error; on either it aborts the communicator (ending collectives in flight) and
 * hands the one-sentence reason to {@code onFatal}, which prints it and ends the process — so a
 * rank that dies makes the others exit with its name, instead of waiting forever in an all-reduce.
 *
 * <p>Rank 0 is the leader: it alone writes metrics, checkpoints, curves and console output.
 */
public final class DistributedRun implements AutoCloseable {
    /** Default limit for the rendezvous and NCCL's start-up, seconds. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 300;

    private final int rank, worldSize;
    private final Communicator comm;
    private final Session session;
    private final Consumer<String> onFatal;
    private final Thread watchdog;
    private volatile boolean closed, failed;
    private DataParallel.Settings gradientSettings = DataParallel.Settings.DEFAULT;

    DistributedRun(int rank, int worldSize, Communicator comm, Session session, Consumer<String> onFatal) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.comm = comm;
        this.session = session;
        this.onFatal = onFatal;
        if (session != null) session.onFailure(this::fatal);
        this.watchdog = session == null ? null : Thread.ofPlatform().daemon().name("jmamba-dist-watchdog").start(this::watch);
    }

    /**
     * Forms the group of {@code env} on {@code device} (the rendezvous and NCCL's start-up each within
     * {@code timeout}); {@code onFatal} receives the reason when a peer or the network fails later.
     */
    public static DistributedRun start(LaunchEnv env, Device device, Duration timeout, Consumer<String> onFatal) {
        Communicators.Provider nccl = Communicators.forDevice(device);
        String who = describeThisProcess(device);
        Session session;
        if (env.leader()) {
            byte[] id = nccl.newUniqueId(device);
            try (Rendezvous.Server server = Rendezvous.listen(env.masterPort())) {
                session = server.await(env.worldSize(), id, timeout, Rendezvous.Heartbeat.DEFAULT);
            }
        } else {
            session = Rendezvous.connect(env.masterAddr(), env.masterPort(), env.rank(), env.worldSize(), who, timeout, Rendezvous.Heartbeat.DEFAULT);
        }
        DistributedRun[] run = new DistributedRun[1];
        // a rank that dies while the others are inside ncclCommInitRank: the session reports it; end the process
        session.onFailure(reason -> { if (run[0] == null) onFatal.accept(reason); });
        Communicator comm;
        try {
            comm = nccl.join(device, session.payload(), env.rank(), env.worldSize());
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        run[0] = new DistributedRun(env.rank(), env.worldSize(), comm, session, onFatal);
        return run[0];
    }

    /** A rank of an in-process group (threads as ranks, for tests): no rendezvous and no watchdog. */
    public static DistributedRun of(Communicator comm) {
        return new DistributedRun(comm.rank(), comm.worldSize(), comm, null, reason -> {});
    }

    private static String describeThisProcess(Device device) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown host";
        }
        return host + " pid " + ProcessHandle.current().pid() + " " + device;
    }

    public int rank() {
        return rank;
    }

    public int worldSize() {
        return worldSize;
    }

    /** True on rank 0, which writes the run's files and output. */
    public boolean leader() {
        return rank == 0;
    }

    public Communicator communicator() {
        return comm;
    }

    /** Images per process and step for a global batch of {@code globalBatch}; a usage error when it does not divide. */
    public int batchPerRank(int globalBatch) {
        if (globalBatch % worldSize != 0) {
            throw UserError.usage("the batch size " + globalBatch + " (images per step over all processes) must be a multiple of the "
                    + worldSize + " processes");
        }
        return globalBatch / worldSize;
    }

    /** How {@link #dataParallel} combines gradients (bucket size, overlap with backward); {@link DataParallel.Settings#DEFAULT} unless set. */
    public DistributedRun gradientSettings(DataParallel.Settings settings) {
        this.gradientSettings = settings;
        return this;
    }

    public DataParallel.Settings gradientSettings() {
        return gradientSettings;
    }

    /** Data parallelism for {@code module}'s parameters, after making them (and the float buffers) equal to rank 0's. */
    public DataParallel dataParallel(Module module) {
        DataParallel dp = new DataParallel(comm, module.parameters(), gradientSettings);
        dp.broadcastFromRankZero(module);
        return dp;
    }

    private void watch() {
        while (!closed && !failed) {
            try {
                comm.checkHealth();
            } catch (CommunicatorException e) {
                if (!closed) fatal(e.getMessage());
                return;
            } catch (RuntimeException e) {
                if (!closed) fatal("checking NCCL's state failed: " + e.getMessage());
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void fatal(String reason) {
        synchronized (this) {
            if (closed || failed) return;
            failed = true;
        }
        try {
            comm.abort(reason);
        } catch (RuntimeException ignored) {
            // aborting a broken communicator may fail too; the process ends either way
        }
        onFatal.accept(reason);
    }

    /** True on every rank when {@code mine} is true on at least one (a one-element all-reduce, read back). */
    public boolean anyRank(boolean mine, Device device) {
        try (Scope scope = Scope.open()) {
            Tensor flag = Tensor.full(mine ? 1 : 0, DType.F32, device, 1);
            comm.allReduceSum(flag);
            return flag.item() > 0;
        }
    }

    /**
     * The clean end, on the normal path only: waits until every rank got here (a barrier), leaves NCCL
     * and says goodbye on the session.
     */
    public void finish() {
        if (closed) return;
        comm.barrier();
        closed = true;
        if (watchdog != null) watchdog.interrupt();
        try {
            comm.close();
        } finally {
            if (session != null) session.close();
        }
    }

    /**
     * After {@link #finish()} nothing; otherwise (this rank is failing) aborts the communicator and
     * drops the session's connections without a goodbye, so the other ranks learn at once that this
     * one ended and stop too, instead of waiting in a collective.
     */
    @Override public void close() {
        if (closed) return;
        closed = true;
        if (watchdog != null) watchdog.interrupt();
        try {
            comm.abort("rank " + rank + " failed");
        } catch (RuntimeException ignored) {
            // already broken: the process is ending anyway
        } finally {
            if (session != null) session.drop();
        }
    }

    /** Seconds from {@code -Djmamba.dist.timeout} (default {@value #DEFAULT_TIMEOUT_SECONDS}). */
    public static Duration timeout() {
        String v = System.getProperty("jmamba.dist.timeout");
        if (v == null || v.isBlank()) return Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
        try {
            long s = Long.parseLong(v.strip());
            if (s < 1) throw new NumberFormatException();
            return Duration.ofSeconds(s);
        } catch (NumberFormatException e) {
            throw UserError.usage("-Djmamba.dist.timeout must be a whole number of seconds >= 1, got '" + v + "'");
        }
    }
}
