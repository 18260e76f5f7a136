package dev.jmamba.app.train;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code DIR/run.lock}: keeps two trainers out of one run folder. The owner holds an operating-system
 * lock on the file (released by the kernel when the process dies, however it dies) and writes its pid,
 * host and start time into it, so that a second trainer can say who has the folder; on a clean exit
 * the owner empties the file. A non-empty file whose lock is free was left by a process that died: it
 * is <i>stale</i>, and the next trainer takes it over and says whose it was.
 *
 * <p>The file is never deleted (deleting races with a process that has just opened it, which would
 * then lock a file nobody else can see), and the owner never opens it a second time: the kernel's
 * record locks belong to the process and are dropped when <i>any</i> of its descriptors for the file
 * is closed. For the same reason a second lock within one JVM is refused from an in-process table
 * before the file is opened again.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE_NAME = "run.lock";
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path file, key;
    private final FileChannel channel;
    private final FileLock lock;
    private final String staleOwner;

    private RunLock(Path file, Path key, FileChannel channel, FileLock lock, String staleOwner) {
        this.file = file;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
        this.staleOwner = staleOwner;
    }

    /** Thrown when another live process (or another run in this JVM) holds the folder; the message names it. */
    public static final class HeldException extends RuntimeException {
        HeldException(Path dir, String owner) {
            super(dir + " is in use by another jmamba process (" + (owner == null || owner.isBlank() ? "owner unknown" : owner)
                    + "); two runs cannot share a run folder: wait for it to finish, or choose another --out");
        }
    }

    /**
     * Locks {@code dir} (created if needed) for this process.
     *
     * @throws HeldException when another process holds it
     * @throws IOException   when the lock file cannot be created or written (permissions, full disk, ...)
     */
    public static RunLock acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        Path key = dir.toRealPath().resolve(FILE_NAME);
        if (!HELD_HERE.add(key)) throw new HeldException(dir, "pid " + ProcessHandle.current().pid() + ", this process");
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) throw new HeldException(dir, read(ch));
            String previous = read(ch);
            String owner = "pid " + ProcessHandle.current().pid() + " on " + host() + ", started " + started();
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((owner + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(true);
            return new RunLock(file, key, ch, lock, previous.isBlank() ? null : previous);
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(key);
            if (ch != null) ch.close();
            throw e;
        }
    }

    /** The owner recorded in a lock file whose process had died (the lock was taken over), or null. */
    public String staleOwner() {
        return staleOwner;
    }

    public Path file() {
        return file;
    }

    /** The owner line as written into the lock file, read through the holder's own channel. */
    public String owner() throws IOException {
        return read(channel);
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(4096, Math.max(0, ch.size())));
        ch.read(buf, 0);
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
    }

    /** The host name without a network lookup (which can stall on a badly configured machine). */
    private static String host() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) return env.strip();
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            return "this host";
        }
    }

    private static String started() {
        return Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()).toString();
    }

    /** Empties the lock file (a clean release) and releases the lock. */
    @Override public void close() {
        try {
            channel.truncate(0);
            channel.force(true);
        } catch (IOException e) {
            // the lock is released below all the same; the next trainer then reports it as stale
        }
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // closing the channel releases the lock in any case
        } finally {
            HELD_HERE.remove(key);
        }
    }
}
