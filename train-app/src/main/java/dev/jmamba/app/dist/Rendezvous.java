package dev.jmamba.app.dist;

import dev.jmamba.tensor.dist.CommunicatorException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The small TCP rendezvous that starts a multi-process run: rank 0 listens on MASTER_PORT, every
 * other rank connects to MASTER_ADDR:MASTER_PORT and says who it is; once all {@code worldSize - 1}
 * have arrived, rank 0 sends each the same payload (the NCCL unique id). The connections then stay
 * open as a {@link Session}: a heartbeat that tells every rank when another one dies.
 *
 * <p>Protocol (big-endian, {@link DataOutputStream}): a rank sends {@code MAGIC, int rank, int worldSize,
 * UTF who}; rank 0 answers {@code MAGIC, byte 0, int length, payload} or {@code MAGIC, byte 1, UTF message}
 * (the reason it refused the run, which both sides then report). Everything is bounded by a
 * timeout, and every failure is one {@link CommunicatorException} sentence that names the address,
 * the ranks involved and what to check: a port already in use, a host that does not resolve, ranks
 * that never arrived, a different WORLD_SIZE, two processes with one RANK, and a peer that is not a
 * jmamba rendezvous (another program on the port).
 */
public final class Rendezvous {
    /** The first bytes of every message, with the protocol version in the last two. */
    static final byte[] MAGIC = "JMRDZV01".getBytes(StandardCharsets.US_ASCII);
    private static final byte OK = 0, REFUSED = 1;
    /** How long an accepted connection may take to say hello before it is dropped as not a rank. */
    static final Duration HELLO_TIMEOUT = Duration.ofSeconds(5);

    private Rendezvous() {}

    /** Rank 0's listening socket, bound (so other ranks can connect) before {@link #await} is called. */
    public static final class Server implements AutoCloseable {
        private final ServerSocket socket;

        private Server(ServerSocket socket) {
            this.socket = socket;
        }

        /** The port it listens on (the one asked for, or the system's choice for 0). */
        public int port() {
            return socket.getLocalPort();
        }

        /**
         * Waits until ranks 1..worldSize-1 have connected, then sends each {@code payload}; returns rank 0's
         * session. Closes the listening socket either way.
         */
        public Session await(int worldSize, byte[] payload, Duration timeout, Heartbeat heartbeat) {
            long deadline = System.nanoTime() + timeout.toNanos();
            Socket[] clients = new Socket[worldSize];
            String[] who = new String[worldSize];
            List<String> refused = new ArrayList<>();
            int connected = 0;
            try (ServerSocket listening = socket) {
                while (connected < worldSize - 1) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        List<Integer> missing = new ArrayList<>();
                        for (int r = 1; r < worldSize; r++) if (clients[r] == null) missing.add(r);
                        throw new CommunicatorException("rendezvous on port " + port() + " timed out after " + seconds(timeout) + " s: rank"
                                + (missing.size() == 1 ? " " : "s ") + join(missing) + " of " + worldSize + " never connected"
                                + (refused.isEmpty() ? "" : " (and " + refused.size() + " connection" + (refused.size() == 1 ? " was" : "s were")
                                        + " refused as not a jmamba rank: " + String.join("; ", refused) + ")")
                                + "; check that every process was started with the same MASTER_ADDR and MASTER_PORT and can reach this machine");
                    }
                    listening.setSoTimeout((int) Math.clamp(left / 1_000_000, 1, 500));
                    Socket s;
                    try {
                        s = listening.accept();
                    } catch (SocketTimeoutException notYet) {
                        continue;
                    }
                    Hello hello = readHello(s, refused);
                    if (hello == null) continue;
                    String problem = null;
                    if (hello.worldSize != worldSize) {
                        problem = "rank " + hello.rank + " (" + hello.who + ") was started with WORLD_SIZE=" + hello.worldSize + " but rank 0 has WORLD_SIZE="
                                + worldSize + "; every process of a run needs the same WORLD_SIZE";
                    } else if (hello.rank == 0) {
                        problem = "two processes claim rank 0 (this one and " + hello.who + "); give each process its own RANK";
                    } else if (hello.rank < 0 || hello.rank >= worldSize) {
                        problem = hello.who + " claims rank " + hello.rank + " but WORLD_SIZE is " + worldSize + "; RANK must be in 0.." + (worldSize - 1);
                    } else if (clients[hello.rank] != null) {
                        problem = "two processes claim rank " + hello.rank + " (" + who[hello.rank] + " and " + hello.who + "); give each process its own RANK";
                    }
                    if (problem != null) {
                        String message = "rendezvous refused the run: " + problem;
                        refuse(s, message);
                        for (Socket c : clients) if (c != null) refuse(c, message);
                        throw new CommunicatorException(message);
                    }
                    clients[hello.rank] = s;
                    who[hello.rank] = hello.who;
                    connected++;
                }
                for (int r = 1; r < worldSize; r++) {
                    DataOutputStream out = new DataOutputStream(clients[r].getOutputStream());
                    out.write(MAGIC);
                    out.writeByte(OK);
                    out.writeInt(payload.length);
                    out.write(payload);
                    out.flush();
                    clients[r].setSoTimeout(0);
                }
            } catch (IOException e) {
                for (Socket c : clients) closeQuietly(c);
                throw new CommunicatorException("rendezvous on port " + port() + " failed: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                for (Socket c : clients) closeQuietly(c);
                throw e;
            }
            Session.Peer[] peers = new Session.Peer[worldSize];
            for (int r = 1; r < worldSize; r++) peers[r] = new Session.Peer(r, who[r], clients[r]);
            return new Session(0, worldSize, payload, peers, heartbeat);
        }

        @Override public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a listening socket: nothing to do about it
            }
        }
    }

    /** Rank 0: listens on {@code port} (0 = any free port) on every interface. */
    public static Server listen(int port) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port), 128);
            return new Server(s);
        } catch (BindException e) {
            throw new CommunicatorException("rendezvous: rank 0 cannot listen on port " + port + " (" + e.getMessage()
                    + "): another run or program holds it; set MASTER_PORT to a free port");
        } catch (IOException e) {
            throw new CommunicatorException("rendezvous: rank 0 cannot listen on port " + port + " (" + e.getMessage() + ")");
        }
    }

    /**
     * Ranks 1..worldSize-1: connects to rank 0 at {@code host:port} (retrying while it is not up yet),
     * says who it is, and waits for the payload; all within {@code timeout}.
     */
    public static Session connect(String host, int port, int rank, int worldSize, String who, Duration timeout, Heartbeat heartbeat) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String where = host + ":" + port;
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new CommunicatorException("rendezvous: MASTER_ADDR '" + host + "' is not a host name this machine can resolve; set it to rank 0's host name or IP address");
        }
        Socket s = null;
        String lastError = "no attempt";
        while (s == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new CommunicatorException("rendezvous: rank " + rank + " could not connect to rank 0 at " + where + " within " + seconds(timeout)
                        + " s (" + lastError + "); check that rank 0 is running and every process has the same MASTER_ADDR and MASTER_PORT");
            }
            Socket attempt = new Socket();
            try {
                attempt.connect(address, (int) Math.clamp(left / 1_000_000, 1, 5000));
                s = attempt;
            } catch (ConnectException | NoRouteToHostException | SocketTimeoutException e) {
                closeQuietly(attempt);
                lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                sleep(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (IOException e) {
                closeQuietly(attempt);
                throw new CommunicatorException("rendezvous: rank " + rank + " cannot connect to " + where + " (" + e.getMessage() + ")");
            }
        }
        try {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.write(MAGIC);
            out.writeInt(rank);
            out.writeInt(worldSize);
            out.writeUTF(who);
            out.flush();
            s.setSoTimeout((int) Math.clamp((deadline - System.nanoTime()) / 1_000_000, 1, Integer.MAX_VALUE));
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] magic = in.readNBytes(MAGIC.length);
            if (magic.length == 0) {
                throw new CommunicatorException("rendezvous: rank 0 at " + where + " closed the connection of rank " + rank
                        + " without an answer (see rank 0's message for why)");
            }
            if (!Arrays.equals(magic, MAGIC)) {
                throw new CommunicatorException("rendezvous: " + where + " answered rank " + rank + " but is not a jmamba rendezvous (it sent "
                        + printable(magic) + "); another program uses that port: choose another MASTER_PORT");
            }
            byte status = in.readByte();
            if (status == REFUSED) throw new CommunicatorException(in.readUTF());
            if (status != OK) throw new CommunicatorException("rendezvous: " + where + " sent an unknown status " + status + " (a different jmamba version?)");
            byte[] payload = in.readNBytes(in.readInt());
            s.setSoTimeout(0);
            Session.Peer[] peers = new Session.Peer[worldSize];
            peers[0] = new Session.Peer(0, "rank 0 at " + where, s);
            return new Session(rank, worldSize, payload, peers, heartbeat);
        } catch (SocketTimeoutException e) {
            closeQuietly(s);
            throw new CommunicatorException("rendezvous: rank " + rank + " connected to " + where + " but got no answer within " + seconds(timeout)
                    + " s: some other rank has not arrived, or the program on that port is not rank 0 of this run");
        } catch (IOException e) {
            closeQuietly(s);
            throw new CommunicatorException("rendezvous: rank " + rank + " lost the connection to " + where + " before the run started (" + e.getMessage()
                    + "); rank 0 may have failed: see its message");
        } catch (RuntimeException e) {
            closeQuietly(s);
            throw e;
        }
    }

    private record Hello(int rank, int worldSize, String who) {}

    /** Reads a rank's hello, or records why the connection is not one (and closes it) and returns null. */
    private static Hello readHello(Socket s, List<String> refused) throws IOException {
        String from = String.valueOf(s.getRemoteSocketAddress());
        try {
            s.setSoTimeout((int) HELLO_TIMEOUT.toMillis());
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                refused.add(from + " sent " + printable(magic));
                closeQuietly(s);
                return null;
            }
            return new Hello(in.readInt(), in.readInt(), in.readUTF());
        } catch (SocketTimeoutException | java.io.EOFException e) {
            refused.add(from + " sent nothing within " + seconds(HELLO_TIMEOUT) + " s");
            closeQuietly(s);
            return null;
        }
    }

    private static void refuse(Socket s, String message) {
        try {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.write(MAGIC);
            out.writeByte(REFUSED);
            out.writeUTF(message);
            out.flush();
        } catch (IOException ignored) {
            // the peer is gone: it learns nothing, rank 0 still reports the problem
        }
        closeQuietly(s);
    }

    /** Up to 16 bytes as text when printable, else hex: what a wrong peer sent. */
    static String printable(byte[] bytes) {
        if (bytes.length == 0) return "nothing";
        byte[] head = Arrays.copyOf(bytes, Math.min(bytes.length, 16));
        boolean text = true;
        for (byte b : head) text &= b >= 32 && b < 127;
        if (text) return "'" + new String(head, StandardCharsets.US_ASCII) + "'";
        StringBuilder hex = new StringBuilder("bytes");
        for (byte b : head) hex.append(String.format(" %02x", b & 0xff));
        return hex.toString();
    }

    private static String join(List<Integer> ranks) {
        return ranks.size() <= 8 ? ranks.toString().replaceAll("[\\[\\]]", "")
                : ranks.subList(0, 8).toString().replaceAll("[\\[\\]]", "") + ", … (" + ranks.size() + " in all)";
    }

    /** A duration in seconds for messages: whole seconds, or one decimal below 10 s. */
    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms >= 10_000 || ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.format(java.util.Locale.ROOT, "%.1f", ms / 1000.0);
    }

    static void closeQuietly(Socket s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommunicatorException("rendezvous: interrupted while waiting for rank 0");
        }
    }

    /**
     * How the session's connections watch the peers: a beat every {@code interval}; a peer silent for
     * {@code deadAfter} counts as dead (a machine that lost power closes no socket).
     */
    public record Heartbeat(Duration interval, Duration deadAfter) {
        /** A beat a second; dead after 60 s of silence. */
        public static final Heartbeat DEFAULT = new Heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(60));
    }
}
