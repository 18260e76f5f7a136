package dev.jmamba.app.dist;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The live connections of a run after its {@link Rendezvous}: rank 0 holds one to every other rank,
 * each other rank one to rank 0. They carry a heartbeat byte every {@link Rendezvous.Heartbeat#interval};
 * a connection that closes without a goodbye, or stays silent for {@link Rendezvous.Heartbeat#deadAfter},
 * means that rank died. Rank 0 then tells every other rank which one (so all name the same culprit) and
 * every rank's {@link #onFailure} listener runs once — the data-parallel watchdog aborts NCCL there
 * and ends the process, so no rank waits forever in a collective.
 *
 * <p>{@link #close()} says goodbye: the end of a run is not a failure.
 */
public final class Session implements AutoCloseable {
    private static final byte BEAT = 'H', BYE = 'B', FAILED = 'X';

    /** One connection: to rank {@code rank} ({@code who} describes it for messages). */
    record Peer(int rank, String who, Socket socket) {}

    private final int rank, worldSize;
    private final byte[] payload;
    private final List<Peer> peers = new ArrayList<>();
    private final Rendezvous.Heartbeat heartbeat;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Consumer<String>> listeners = new ArrayList<>();
    private volatile String failure;
    private volatile boolean closing;

    Session(int rank, int worldSize, byte[] payload, Peer[] peers, Rendezvous.Heartbeat heartbeat) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.payload = payload;
        this.heartbeat = heartbeat;
        for (Peer p : peers) if (p != null) this.peers.add(p);
        for (Peer p : this.peers) {
            try {
                p.socket().setSoTimeout((int) heartbeat.deadAfter().toMillis());
                p.socket().setTcpNoDelay(true);
            } catch (IOException e) {
                fail(p.who() + " is unreachable right after the rendezvous (" + e.getMessage() + ")");
            }
            threads.add(Thread.ofPlatform().daemon().name("jmamba-heartbeat-read-" + p.rank()).start(() -> watch(p)));
        }
        if (!this.peers.isEmpty()) threads.add(Thread.ofPlatform().daemon().name("jmamba-heartbeat").start(this::beat));
    }

    /** What rank 0 handed out (the NCCL unique id). */
    public byte[] payload() {
        return payload.clone();
    }

    public int rank() {
        return rank;
    }

    public int worldSize() {
        return worldSize;
    }

    /** Why the run failed (which rank died), or null while every rank is alive. */
    public String failure() {
        return failure;
    }

    /** Runs {@code listener} once with the failure, on a heartbeat thread (at once if the run already failed). */
    public void onFailure(Consumer<String> listener) {
        String already;
        synchronized (this) {
            already = failure;
            if (already == null) listeners.add(listener);
        }
        if (already != null) listener.accept(already);
    }

    private void beat() {
        while (!closing && failure == null) {
            for (Peer p : peers) send(p, BEAT, null);
            try {
                Thread.sleep(heartbeat.interval().toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void watch(Peer p) {
        try {
            DataInputStream in = new DataInputStream(p.socket().getInputStream());
            while (true) {
                int b = in.read();
                if (closing) return;
                if (b == BEAT) continue;
                if (b == BYE) return;                 // that rank finished cleanly
                if (b == FAILED) {
                    fail(in.readUTF());
                    return;
                }
                fail(describe(p) + " ended without saying goodbye (its process exited or was killed, or the network failed)");
                return;
            }
        } catch (SocketTimeoutException e) {
            if (!closing) fail(describe(p) + " sent no heartbeat for " + Rendezvous.seconds(heartbeat.deadAfter()) + " s (its machine or network failed, or it hangs)");
        } catch (IOException e) {
            if (!closing) fail(describe(p) + " ended without saying goodbye (" + e.getMessage() + ")");
        }
    }

    private String describe(Peer p) {
        return p.rank() == 0 ? p.who() : "rank " + p.rank() + " (" + p.who() + ")";
    }

    /** Records the failure once, passes it on (rank 0 to every other rank) and runs the listeners. */
    void fail(String reason) {
        List<Consumer<String>> toRun;
        synchronized (this) {
            if (failure != null || closing) return;
            failure = reason;
            toRun = new ArrayList<>(listeners);
        }
        if (rank == 0) for (Peer p : peers) send(p, FAILED, reason);
        for (Consumer<String> l : toRun) {
            try {
                l.accept(reason);
            } catch (RuntimeException ignored) {
                // a listener's failure must not stop the others
            }
        }
    }

    private void send(Peer p, byte what, String text) {
        synchronized (p) {
            try {
                DataOutputStream out = new DataOutputStream(p.socket().getOutputStream());
                out.writeByte(what);
                if (text != null) out.writeUTF(text);
                out.flush();
            } catch (IOException e) {
                // the reader of this connection reports the peer's end
            }
        }
    }

    /** Says goodbye to every peer and closes the connections; the run ended on this rank without a failure. */
    @Override public void close() {
        synchronized (this) {
            if (closing) return;
            closing = true;
        }
        for (Peer p : peers) {
            if (failure == null) send(p, BYE, null);
            Rendezvous.closeQuietly(p.socket());
        }
        for (Thread t : threads) t.interrupt();
    }
}
