package dev.tokenmeter.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads for the CPU engine's data-parallel loops, built for loops of tens of microseconds:
 * a decode step runs about seven products per layer, each too short to pay for waking a parked thread pool. The
 * caller works on the loop itself; the other workers spin briefly between loops (so the next one starts at once)
 * and park when none comes. Chunks are taken from a shared counter, so a slow core takes fewer of them.
 */
final class Parallel implements AutoCloseable {
    /** Chunks per thread: enough to even out uneven cores, few enough to keep the per-chunk cost small. */
    private static final int CHUNKS_PER_THREAD = 4;
    /** How long an idle worker spins before parking: a few decode products' worth. */
    private static final long SPIN_NANOS = 200_000;

    /** The body of a loop over {@code [from, to)}. */
    interface Range {
        void run(int from, int to);
    }

    private final int threads;
    private final Thread[] workers;
    /** The loop being run, or the last one; each loop is its own object, so a late worker can't mix two. */
    private volatile Job job;
    private volatile boolean closed;

    /** One loop: its body, how it is cut, and its own counters. */
    private static final class Job {
        final Range body;
        final int n;
        final int align;
        final int units;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger remaining;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(Range body, int n, int align, int units, int chunks) {
            this.body = body;
            this.n = n;
            this.align = align;
            this.units = units;
            this.chunks = chunks;
            this.remaining = new AtomicInteger(chunks);
        }

        /** Takes chunks until none is left; any thread may call it, any number of times. */
        void run() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                int from = (int) ((long) units * c / chunks) * align;
                int to = Math.min(n, (int) ((long) units * (c + 1) / chunks) * align);
                try {
                    if (from < to) {
                        body.run(from, to);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    remaining.decrementAndGet();
                }
            }
        }
    }

    Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::work, "tokenmeter-cpu-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks whose bounds are multiples of {@code align} (except the end),
     * spread over the workers: about {@code n / grain} chunks at most, four per thread at most. Returns when every
     * chunk is done; an exception thrown by a chunk is rethrown here (the other chunks still run). A body must not
     * call forRange itself.
     */
    synchronized void forRange(int n, int grain, int align, Range body) {
        if (n <= 0) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("the CPU workers are closed");
        }
        int maxChunks = Math.max(1, n / Math.max(1, grain));
        int units = (n + align - 1) / align;
        int chunks = Math.min(Math.min(threads * CHUNKS_PER_THREAD, maxChunks), units);
        if (workers.length == 0 || chunks <= 1) {
            body.run(0, n);
            return;
        }
        Job current = new Job(body, n, align, units, chunks);
        job = current;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        current.run();
        while (current.remaining.get() > 0) {
            Thread.onSpinWait();
        }
        job = null; // nothing of this loop (its body's captured arrays) stays reachable from the workers
        Throwable t = current.failure.get();
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    private void work() {
        Job seen = null;
        while (!closed) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            Job next;
            while ((next = job) == seen && !closed) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = next;
            if (next != null) {
                next.run();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }
}
