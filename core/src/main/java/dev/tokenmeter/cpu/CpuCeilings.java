package dev.tokenmeter.cpu;

import dev.tokenmeter.backend.DeviceCeilings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the CPU's two ceilings: memory bandwidth (every worker copying, then summing, its share of arrays far
 * larger than the caches; the better of bytes read + written per second and bytes read per second, since a decode
 * step mostly reads) and fp32 FMA throughput (every worker in a register-only FMA loop at once, counted over the
 * wall time of them all).
 *
 * <p>On a shared host one short timing can be read at half speed or, worse, a per-worker best summed over workers
 * that did not run together can exceed the machine. So each figure is {@value #REPETITIONS} repetitions, each
 * sustained for at least {@value #REPETITION_MILLIS} ms of every worker working at once, after one discarded
 * repetition that warms the JIT and the pages, the three kernels taking turns; the best repetition is the ceiling,
 * and how far the median fell below it is recorded as the figure's spread
 * ({@link DeviceCeilings#memoryBandwidthSpread}), so that a report can say when a utilization rests on a noisy
 * ceiling.
 */
final class CpuCeilings {
    static final int REPETITIONS = 9;
    static final int REPETITION_MILLIS = 20;
    private static final long REPETITION_NANOS = REPETITION_MILLIS * 1_000_000L;
    /** 2 × 128 MiB: well past any last-level cache. */
    private static final int COPY_LONGS = 16 << 20;

    private CpuCeilings() {
    }

    static DeviceCeilings measure(Parallel parallel, boolean vector) {
        long[] src = new long[COPY_LONGS];
        long[] dst = new long[COPY_LONGS];
        Arrays.fill(src, 1L);
        Arrays.fill(dst, 2L);
        // The sums land in a shared sink so that the JIT cannot drop the reads.
        AtomicLong sink = new AtomicLong();
        Runnable copy = () -> parallel.forRange(COPY_LONGS, 1 << 16, 1 << 10,
                (a, b) -> System.arraycopy(src, a, dst, a, b - a));
        Runnable read = () -> parallel.forRange(COPY_LONGS, 1 << 16, 1 << 10, (a, b) -> sink.addAndGet(sum(src, a, b)));
        double[] copyRates = new double[REPETITIONS];
        double[] readRates = new double[REPETITIONS];
        double[] flopRates = new double[REPETITIONS];
        // The kernels take turns, so that each figure's repetitions span the whole measurement: a neighbour that
        // runs for part of it slows some repetitions of every figure, not every repetition of one.
        for (int r = -1; r < REPETITIONS; r++) {
            double copied = passes(copy, 2.0 * COPY_LONGS * Long.BYTES);
            double summed = passes(read, (double) COPY_LONGS * Long.BYTES);
            double flops = flops(parallel, vector, r < 0);
            if (r >= 0) {
                copyRates[r] = copied;
                readRates[r] = summed;
                flopRates[r] = flops;
            }
        }
        if (sink.get() == 42) {
            System.out.print("");
        }
        Repetitions copied = new Repetitions(copyRates);
        Repetitions summed = new Repetitions(readRates);
        Repetitions bandwidth = summed.best() > copied.best() ? summed : copied;
        Repetitions flops = new Repetitions(flopRates);
        String how = String.format(Locale.ROOT, "measured: best of %d repetitions of %d ms, %d-thread array copy"
                + " and sum (%d MiB) and %s FMA loop", REPETITIONS, REPETITION_MILLIS, parallel.threads(),
                2 * COPY_LONGS * 8L >> 20, vector ? "Vector API" : "scalar");
        return new DeviceCeilings(bandwidth.best(), flops.best(), how, bandwidth.spread(), flops.spread(),
                REPETITIONS);
    }

    /**
     * The rates of one figure's repetitions: the best is the ceiling (contention only ever slows a repetition down),
     * and the median's shortfall from it is the spread.
     */
    record Repetitions(double[] rates) {
        Repetitions {
            if (rates.length == 0) {
                throw new IllegalArgumentException("no repetitions");
            }
            rates = rates.clone();
        }

        double best() {
            return Arrays.stream(rates).max().orElseThrow();
        }

        /** 1 − median / best, in [0, 1). */
        double spread() {
            double[] s = rates.clone();
            Arrays.sort(s);
            int n = s.length;
            double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
            return Math.max(0, Math.min(1 - median / best(), Math.nextDown(1.0)));
        }
    }

    /** One repetition of {@code pass} (which moves {@code bytes}): passes until it has lasted long enough; bytes/s. */
    private static double passes(Runnable pass, double bytes) {
        long passes = 0;
        long t0 = System.nanoTime();
        long elapsed;
        do {
            pass.run();
            passes++;
            elapsed = System.nanoTime() - t0;
        } while (elapsed < REPETITION_NANOS);
        return passes * bytes / (elapsed / 1e9);
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
     * One repetition of the FMA loop on every worker at once, for a repetition's length: every worker's operations
     * over the wall time until the last one finished. (Summing each worker's own best burst, as this once did,
     * counts bursts that ran one after another as if they ran together: with more threads than cores that reported
     * many times the machine.) A first, discarded repetition {@code warmUp}s: many short bursts get the loop
     * compiled.
     */
    private static double flops(Parallel parallel, boolean vector, boolean warmUp) {
        int threads = parallel.threads();
        double[] done = new double[threads];
        long t0 = System.nanoTime();
        parallel.forRange(threads, 1, 1, (a, b) -> {
            for (int i = a; i < b; i++) {
                done[i] = vector ? VectorMatMul.fmaFlops(REPETITION_NANOS, warmUp)
                        : scalarFmaFlops(REPETITION_NANOS, warmUp);
            }
        });
        long t1 = System.nanoTime();
        return Arrays.stream(done).sum() / ((t1 - t0) / 1e9);
    }

    /** Floating-point operations of a scalar FMA loop that runs for at least {@code nanos}. */
    private static double scalarFmaFlops(long nanos, boolean warmUp) {
        float[] state = new float[8];
        Arrays.fill(state, 1e-3f);
        for (int i = 0; warmUp && i < 2000; i++) {
            scalarBurst(state, 64);
        }
        long bursts = 0;
        long start = System.nanoTime();
        do {
            scalarBurst(state, 4096);
            bursts++;
        } while (System.nanoTime() - start < nanos);
        return bursts * 4096.0 * 8 * 2;
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
