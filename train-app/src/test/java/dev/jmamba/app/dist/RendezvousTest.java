package dev.jmamba.app.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.dist.CommunicatorException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The TCP rendezvous on localhost: the payload reaches every rank, and each failure is one sentence within its timeout. */
class RendezvousTest {
    private static final Rendezvous.Heartbeat FAST = new Rendezvous.Heartbeat(Duration.ofMillis(50), Duration.ofMillis(1500));
    private static final Duration T = Duration.ofSeconds(20);
    private static final java.util.concurrent.Executor THREADS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r);
        t.setDaemon(true);
        return t;
    });

    private static CompletableFuture<Session> client(int port, int rank, int world, Duration timeout) {
        // a thread per rank: the common pool may have a single thread on a small machine
        return CompletableFuture.supplyAsync(() -> Rendezvous.connect("127.0.0.1", port, rank, world, "test rank " + rank, timeout, FAST), THREADS);
    }

    @Test void everyRankGetsRankZerosPayloadAndCleanClosesAreNoFailure() throws Exception {
        byte[] id = new byte[128];
        for (int i = 0; i < id.length; i++) id[i] = (byte) (i * 7);
        try (Rendezvous.Server server = Rendezvous.listen(0)) {
            List<CompletableFuture<Session>> clients = new ArrayList<>();
            for (int r = 3; r >= 1; r--) clients.add(client(server.port(), r, 4, T));   // arrival order does not matter
            Session zero = server.await(4, id, T, FAST);
            List<Session> all = new ArrayList<>(List.of(zero));
            for (CompletableFuture<Session> c : clients) all.add(c.get(20, TimeUnit.SECONDS));
            for (Session s : all) assertArrayEquals(id, s.payload());
            Thread.sleep(300);                                    // a few heartbeats
            for (Session s : all) assertNull(s.failure());
            for (Session s : all.reversed()) s.close();           // followers first, then rank 0
            Thread.sleep(200);
            for (Session s : all) assertNull(s.failure(), "closing is not a failure");
        }
    }

    @Test void aClientStartedBeforeRankZeroRetriesUntilItListens() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        CompletableFuture<Session> early = client(port, 1, 2, T);
        Thread.sleep(400);
        try (Rendezvous.Server server = Rendezvous.listen(port)) {
            Session zero = server.await(2, new byte[] {42}, T, FAST);
            Session one = early.get(20, TimeUnit.SECONDS);
            assertArrayEquals(new byte[] {42}, one.payload());
            one.close();
            zero.close();
        }
    }

    @Test void missingRanksTimeOutNamingThem() {
        try (Rendezvous.Server server = Rendezvous.listen(0)) {
            CompletableFuture<Session> one = client(server.port(), 1, 4, T);
            long t0 = System.nanoTime();
            CommunicatorException e = assertThrows(CommunicatorException.class, () -> server.await(4, new byte[1], Duration.ofMillis(700), FAST));
            assertTrue((System.nanoTime() - t0) / 1e9 < 5);
            assertTrue(e.getMessage().contains("timed out after 0.7 s: ranks 2, 3 of 4 never connected"), e.getMessage());
            assertTrue(e.getMessage().contains("same MASTER_ADDR and MASTER_PORT"), e.getMessage());
            CommunicatorException c = assertThrows(Exception.class, () -> one.get(20, TimeUnit.SECONDS)).getCause() instanceof CommunicatorException ce
                    ? ce : null;
            assertTrue(c != null && c.getMessage().contains("rank 1"), "the waiting rank fails too: " + c);
        }
    }

    @Test void aClientWithNoRankZeroTimesOut() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        CommunicatorException e = assertThrows(CommunicatorException.class,
                () -> Rendezvous.connect("127.0.0.1", port, 2, 3, "r2", Duration.ofMillis(600), FAST));
        assertTrue(e.getMessage().startsWith("rendezvous: rank 2 could not connect to rank 0 at 127.0.0.1:" + port + " within 0.6 s"), e.getMessage());
    }

    @Test void aDifferentWorldSizeIsRefusedOnBothSides() throws Exception {
        try (Rendezvous.Server server = Rendezvous.listen(0)) {
            CompletableFuture<Session> one = client(server.port(), 1, 3, T);
            CommunicatorException e = assertThrows(CommunicatorException.class, () -> server.await(2, new byte[1], T, FAST));
            assertTrue(e.getMessage().contains("rank 1 (test rank 1) was started with WORLD_SIZE=3 but rank 0 has WORLD_SIZE=2"), e.getMessage());
            Throwable c = assertThrows(Exception.class, () -> one.get(20, TimeUnit.SECONDS)).getCause();
            assertEquals(e.getMessage(), c.getMessage(), "the rank hears rank 0's reason");
        }
    }

    @Test void twoProcessesWithOneRankAreRefused() {
        try (Rendezvous.Server server = Rendezvous.listen(0)) {
            client(server.port(), 1, 3, T);
            client(server.port(), 1, 3, T);
            CommunicatorException e = assertThrows(CommunicatorException.class, () -> server.await(3, new byte[1], T, FAST));
            assertTrue(e.getMessage().contains("two processes claim rank 1"), e.getMessage());
        }
    }

    @Test void aPeerThatIsNotARendezvousIsNamedOnTheClientSide() throws Exception {
        try (ServerSocket http = new ServerSocket(0)) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = http.accept(); OutputStream out = s.getOutputStream()) {
                    out.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(500);
                } catch (Exception ignored) {
                    // test peer
                }
            });
            CommunicatorException e = assertThrows(CommunicatorException.class,
                    () -> Rendezvous.connect("127.0.0.1", http.getLocalPort(), 1, 2, "r1", T, FAST));
            assertTrue(e.getMessage().contains("answered rank 1 but is not a jmamba rendezvous (it sent 'HTTP/1.1')"), e.getMessage());
            assertTrue(e.getMessage().endsWith("choose another MASTER_PORT"), e.getMessage());
        }
    }

    @Test void aConnectionThatIsNotARankIsRefusedAndNamedOnTheServerSide() throws Exception {
        try (Rendezvous.Server server = Rendezvous.listen(0)) {
            Socket stranger = new Socket("127.0.0.1", server.port());
            stranger.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            CommunicatorException e = assertThrows(CommunicatorException.class, () -> server.await(2, new byte[1], Duration.ofSeconds(1), FAST));
            assertTrue(e.getMessage().contains("rank 1 of 2 never connected (and 1 connection was refused as not a jmamba rank: /127.0.0.1:"), e.getMessage());
            assertTrue(e.getMessage().contains("sent 'GET / HT'"), e.getMessage());
            stranger.close();
        }
    }

    @Test void aPortInUseIsOneSentence() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            CommunicatorException e = assertThrows(CommunicatorException.class, () -> Rendezvous.listen(taken.getLocalPort()));
            assertTrue(e.getMessage().startsWith("rendezvous: rank 0 cannot listen on port " + taken.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().endsWith("set MASTER_PORT to a free port"), e.getMessage());
        }
    }

    @Test void anUnknownHostIsOneSentence() {
        CommunicatorException e = assertThrows(CommunicatorException.class,
                () -> Rendezvous.connect("no-such-host.invalid", 29500, 1, 2, "r1", T, FAST));
        assertTrue(e.getMessage().contains("MASTER_ADDR 'no-such-host.invalid' is not a host name"), e.getMessage());
    }

    @Test void aRankThatDiesIsReportedToEveryOtherRankWithItsNumber() throws Exception {
        try (Rendezvous.Server server = Rendezvous.listen(0)) {
            CompletableFuture<Session> one = client(server.port(), 1, 3, T);
            CompletableFuture<Session> two = client(server.port(), 2, 3, T);
            Session zero = server.await(3, new byte[1], T, FAST);
            Session s1 = one.get(20, TimeUnit.SECONDS), s2 = two.get(20, TimeUnit.SECONDS);
            CountDownLatch heard = new CountDownLatch(2);
            List<String> reasons = java.util.Collections.synchronizedList(new ArrayList<>());
            for (Session s : List.of(zero, s1)) s.onFailure(r -> { reasons.add(r); heard.countDown(); });
            // rank 2 dies: its socket closes without a goodbye (as when the process is killed)
            java.lang.reflect.Field peers = Session.class.getDeclaredField("peers");
            peers.setAccessible(true);
            for (Object p : (List<?>) peers.get(s2)) ((Session.Peer) p).socket().close();
            assertTrue(heard.await(10, TimeUnit.SECONDS), "both surviving ranks heard of it: " + reasons);
            for (String r : reasons) assertTrue(r.startsWith("rank 2 (test rank 2) ended without saying goodbye"), r);
            zero.close();
            s1.close();
        }
    }

    @Test void aSilentPeerCountsAsDeadAfterTheHeartbeatTimeout() throws Exception {
        try (Rendezvous.Server server = Rendezvous.listen(0)) {
            // a "rank 1" that completes the handshake by hand and then never beats
            CompletableFuture<Socket> raw = CompletableFuture.supplyAsync(() -> {
                try {
                    Socket s = new Socket("127.0.0.1", server.port());
                    var out = new java.io.DataOutputStream(s.getOutputStream());
                    out.write(Rendezvous.MAGIC);
                    out.writeInt(1);
                    out.writeInt(2);
                    out.writeUTF("silent");
                    out.flush();
                    InputStream in = s.getInputStream();
                    in.readNBytes(Rendezvous.MAGIC.length + 1 + 4 + 1);
                    return s;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, THREADS);
            Session zero = server.await(2, new byte[1], T, FAST);
            CountDownLatch heard = new CountDownLatch(1);
            String[] reason = new String[1];
            zero.onFailure(r -> { reason[0] = r; heard.countDown(); });
            assertTrue(heard.await(10, TimeUnit.SECONDS));
            assertTrue(reason[0].startsWith("rank 1 (silent) sent no heartbeat for 1.5 s"), reason[0]);
            raw.get().close();
        }
    }
}
