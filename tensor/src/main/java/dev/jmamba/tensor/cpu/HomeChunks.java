package dev.jmamba.tensor.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntConsumer;

/**
 * Runs chunks 0 .. n-1 on up to {@code threads} threads, each chunk exactly once, where chunk t has
 * a home: the contiguous share {@code [w*n/threads, (w+1)*n/threads)} of participant w. Each
 * participant runs its own share front to back, then takes what is left of the others' shares
 * from their back ends; so when all threads arrive in time, a call runs the same chunks on the same
 * threads every time.
 *
 * <p>Why: the GEMM driver's chunks are row blocks of C. Claimed from one shared counter (whichever
 * thread is free takes the next chunk), the rows of C a thread writes changed from call to call, and
 * a short-K product that is mostly writing C (1600x96x19: 19 multiply-adds per element) spent its
 * time moving C's lines between the cores' caches; two threads were no faster than one. The caller
 * runs share 0, a helper the share its thread id picks (or any free one); a helper that arrives
 * late finds its share being run by the others and only helps with what is left.
 */
final class HomeChunks {
    /** A small id per thread, so that each helper prefers the same share on every call. */
    private static final AtomicInteger NEXT_ID = new AtomicInteger();
    private static final ThreadLocal<Integer> ID = ThreadLocal.withInitial(NEXT_ID::getAndIncrement);

    private HomeChunks() {}

    /**
     * Runs {@code body.accept(t)} for every t in [0, n), each exactly once.
     *
     * @param body receives the chunk index ({@link #home} tells whose share it is)
     */
    static void run(int n, int threads, IntConsumer body) {
        if (n <= 0) return;
        int parts = Math.max(1, Math.min(threads, n));
        if (parts == 1) {
            for (int t = 0; t < n; t++) body.accept(t);
            return;
        }
        AtomicIntegerArray taken = new AtomicIntegerArray(n), shareTaken = new AtomicIntegerArray(parts);
        Thread caller = Thread.currentThread();
        Parallel.forChunks(parts, parts, ignored -> {
            // the caller's share is 0; a helper prefers the share of its own id, else any free one
            int w = Thread.currentThread() == caller ? 0 : 1 + Math.floorMod(ID.get(), parts - 1);
            if (!shareTaken.compareAndSet(w, 0, 1)) {
                w = -1;
                for (int i = 0; i < parts && w < 0; i++) if (shareTaken.compareAndSet(i, 0, 1)) w = i;
            }
            if (w >= 0) {
                for (int t = start(w, n, parts), end = start(w + 1, n, parts); t < end; t++) {
                    if (taken.compareAndSet(t, 0, 1)) body.accept(t);
                }
            }
            for (int o = 1; o <= parts; o++) { // then the others' leftovers, from their back ends
                int other = Math.floorMod(w + o, parts);
                for (int t = start(other + 1, n, parts) - 1, begin = start(other, n, parts); t >= begin; t--) {
                    if (taken.compareAndSet(t, 0, 1)) body.accept(t);
                }
            }
        });
    }

    /** The participant whose share holds chunk t (of n over {@code threads}). */
    static int home(int t, int n, int threads) {
        int parts = Math.max(1, Math.min(threads, n));
        int w = (int) ((long) t * parts / n);
        while (start(w + 1, n, parts) <= t) w++;
        while (start(w, n, parts) > t) w--;
        return w;
    }

    private static int start(int w, int n, int parts) {
        return (int) ((long) w * n / parts);
    }
}
