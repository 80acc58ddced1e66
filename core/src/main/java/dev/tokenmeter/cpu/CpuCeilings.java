package dev.tokenmeter.cpu;

import dev.tokenmeter.backend.DeviceCeilings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Measures the CPU's two ceilings once: memory bandwidth (every worker copying, then summing, its share of arrays
 * far larger than the caches; the better of bytes read + written per second and bytes read per second, since a
 * decode step mostly reads) and fp32 FMA throughput (every worker in a register-only FMA loop). The best of a
 * few repetitions is kept, as a ceiling should be.
 */
final class CpuCeilings {
    private static final int REPEATS = 5;
    /** 2 × 128 MiB: well past any last-level cache. */
    private static final int COPY_LONGS = 16 << 20;

    private CpuCeilings() {
    }

    static DeviceCeilings measure(Parallel parallel, boolean vector) {
        double bandwidth = bandwidth(parallel);
        double flops = flops(parallel, vector);
        String how = String.format(Locale.ROOT, "measured: %d-thread array copy and sum (%d MiB) and %s FMA loop",
                parallel.threads(), 2 * COPY_LONGS * 8L >> 20, vector ? "Vector API" : "scalar");
        return new DeviceCeilings(bandwidth, flops, how);
    }

    private static double bandwidth(Parallel parallel) {
        long[] src = new long[COPY_LONGS];
        long[] dst = new long[COPY_LONGS];
        java.util.Arrays.fill(src, 1L);
        java.util.Arrays.fill(dst, 2L);
        double best = 0;
        for (int r = 0; r < REPEATS; r++) {
            long t0 = System.nanoTime();
            parallel.forRange(COPY_LONGS, 1 << 16, 1 << 10, (a, b) -> System.arraycopy(src, a, dst, a, b - a));
            long t1 = System.nanoTime();
            best = Math.max(best, 2.0 * COPY_LONGS * Long.BYTES / ((t1 - t0) / 1e9));
        }
        // The sums land in a shared sink so that the JIT cannot drop the reads.
        java.util.concurrent.atomic.AtomicLong sink = new java.util.concurrent.atomic.AtomicLong();
        for (int r = 0; r < REPEATS; r++) {
            long t0 = System.nanoTime();
            parallel.forRange(COPY_LONGS, 1 << 16, 1 << 10, (a, b) -> sink.addAndGet(sum(src, a, b)));
            long t1 = System.nanoTime();
            best = Math.max(best, (double) COPY_LONGS * Long.BYTES / ((t1 - t0) / 1e9));
        }
        if (sink.get() == 42) {
            System.out.print("");
        }
        return best;
    }

    private static long sum(long[] a, int from, int to) {
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < to; i++) {
            s0 += a[i];
        }
        return s0 + s1 + s2 + s3;
    }

    /**
     * Every worker runs short FMA bursts at once; each worker's best burst counts, summed over workers. On a shared
     * machine a burst can be preempted, and a ceiling read low would make honest results look faster than the
     * roofline: a core's best burst is what that core can do.
     */
    private static double flops(Parallel parallel, boolean vector) {
        int threads = parallel.threads();
        double[] best = new double[threads];
        for (int r = 0; r < REPEATS; r++) {
            parallel.forRange(threads, 1, 1, (a, b) -> {
                for (int i = a; i < b; i++) {
                    double rate = vector ? VectorMatMul.fmaRate(10_000_000L) : scalarFmaRate(10_000_000L);
                    best[i] = Math.max(best[i], rate);
                }
            });
        }
        double total = 0;
        for (double x : best) {
            total += x;
        }
        return total;
    }

    private static double scalarFmaRate(long nanos) {
        float[] state = new float[8];
        java.util.Arrays.fill(state, 1e-3f);
        for (int i = 0; i < 2000; i++) {
            scalarBurst(state, 64);
        }
        long bursts = 0;
        long start = System.nanoTime();
        long now;
        do {
            scalarBurst(state, 4096);
            bursts++;
            now = System.nanoTime();
        } while (now - start < nanos);
        return bursts * 4096.0 * 8 * 2 / ((now - start) / 1e9);
    }

    private static void scalarBurst(float[] state, int iterations) {
        float a0 = state[0], a1 = state[1], a2 = state[2], a3 = state[3];
        float a4 = state[4], a5 = state[5], a6 = state[6], a7 = state[7];
        for (int k = 0; k < iterations; k++) {
            a0 = Math.fma(a0, 0.999f, 1e-4f);
            a1 = Math.fma(a1, 0.999f, 1e-4f);
            a2 = Math.fma(a2, 0.999f, 1e-4f);
            a3 = Math.fma(a3, 0.999f, 1e-4f);
            a4 = Math.fma(a4, 0.999f, 1e-4f);
            a5 = Math.fma(a5, 0.999f, 1e-4f);
            a6 = Math.fma(a6, 0.999f, 1e-4f);
            a7 = Math.fma(a7, 0.999f, 1e-4f);
        }
        state[0] = a0;
        state[1] = a1;
        state[2] = a2;
        state[3] = a3;
        state[4] = a4;
        state[5] = a5;
        state[6] = a6;
        state[7] = a7;
    }

    /** The last-level cache in bytes from Linux's sysfs, or 0 where it cannot be read. */
    static long lastLevelCacheBytes() {
        long best = 0;
        for (int index = 0; index < 8; index++) {
            Path size = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + index + "/size");
            try {
                String s = Files.readString(size).trim().toUpperCase(Locale.ROOT);
                long mult = s.endsWith("K") ? 1024 : s.endsWith("M") ? 1024 * 1024 : 1;
                String digits = s.replaceAll("[^0-9]", "");
                if (!digits.isEmpty()) {
                    best = Math.max(best, Long.parseLong(digits) * mult);
                }
            } catch (IOException | RuntimeException e) {
                break;
            }
        }
        return best;
    }
}
