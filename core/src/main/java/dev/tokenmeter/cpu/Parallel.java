package dev.tokenmeter.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

/**
 * A fixed set of worker threads for the CPU engine's data-parallel loops. Each loop splits its range into a few
 * chunks per thread (load balance without per-element overhead); with one thread everything runs on the caller.
 */
final class Parallel implements AutoCloseable {
    /** Chunks per thread: enough to even out uneven cores, few enough to keep task overhead small. */
    private static final int CHUNKS_PER_THREAD = 4;

    private final int threads;
    private final ForkJoinPool pool;

    /** The body of a loop over {@code [from, to)}. */
    interface Range {
        void run(int from, int to);
    }

    Parallel(int threads) {
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("tokenmeter-cpu-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks whose bounds are multiples of {@code align} (except the end),
     * spread over the workers: about {@code n / grain} chunks at most, four per thread at most. Returns when every
     * chunk is done.
     */
    void forRange(int n, int grain, int align, Range body) {
        if (n <= 0) {
            return;
        }
        int maxChunks = Math.max(1, n / Math.max(1, grain));
        int chunks = Math.min(threads * CHUNKS_PER_THREAD, maxChunks);
        if (pool == null || chunks == 1) {
            body.run(0, n);
            return;
        }
        int units = (n + align - 1) / align;
        chunks = Math.min(chunks, units);
        pool.invoke(new Chunks(body, n, align, units, chunks, 0, chunks));
    }

    private static final class Chunks extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient Range body;
        private final int n;
        private final int align;
        private final int units;
        private final int chunks;
        private final int lo;
        private final int hi;

        Chunks(Range body, int n, int align, int units, int chunks, int lo, int hi) {
            this.body = body;
            this.n = n;
            this.align = align;
            this.units = units;
            this.chunks = chunks;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                int from = (int) ((long) units * lo / chunks) * align;
                int to = Math.min(n, (int) ((long) units * (lo + 1) / chunks) * align);
                if (from < to) {
                    body.run(from, to);
                }
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunks(body, n, align, units, chunks, lo, mid),
                    new Chunks(body, n, align, units, chunks, mid, hi));
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
