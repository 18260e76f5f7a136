package dev.jmamba.app.dist;

import java.time.Duration;

/**
 * A stand-in rank for the GPU script's "a rank dies" check: joins a run's rendezvous as
 * {@code rank} of {@code world} at {@code host:port}, keeps the heartbeat going for {@code seconds},
 * then ends the JVM at once (no goodbye, as a crashed or killed process would). Usage:
 * {@code FakeRank host port rank world seconds}.
 */
public final class FakeRank {
    private FakeRank() {}

    public static void main(String[] args) throws Exception {
        Session s = Rendezvous.connect(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                "fake rank (FakeRank)", Duration.ofSeconds(120), Rendezvous.Heartbeat.DEFAULT);
        System.out.println("FakeRank: joined, payload " + s.payload().length + " bytes; dying in " + args[4] + " s");
        System.out.flush();
        Thread.sleep(1000L * Integer.parseInt(args[4]));
        Runtime.getRuntime().halt(9);
    }
}
