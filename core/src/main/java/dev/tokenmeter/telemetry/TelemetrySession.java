package dev.tokenmeter.telemetry;

import dev.tokenmeter.backend.DeviceInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Telemetry of one run: the GPU's ECC errors and retired pages read when it opens and when it finishes, and a
 * window per measured point ({@link #begin} to {@link #end}) in which a daemon thread samples power, clocks,
 * temperature and throttle reasons every {@link #DEFAULT_INTERVAL} (and once at each end of the window; a point
 * {@linkplain #restart restarts} its window once its warm-up is over). A
 * window's energy is the GPU's energy counter's change where the device has one, else its mean sampled power times
 * its length; its energy per output token and per query is its mean power over the point's rates.
 *
 * <p>Nothing here throws because of NVML: a session that cannot read a GPU (a CPU run, a host without NVML) is
 * {@linkplain #unavailable(String) unavailable} from the start and says why, and a counter that fails part way
 * stops the session, whose record keeps the windows before the failure and gives the failure as its reason. The
 * run goes on either way. Its methods may be called from any thread.
 */
public final class TelemetrySession implements AutoCloseable {
    /** How often a window is sampled: NVML's power reading itself is refreshed about this often. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);

    private static final Logger LOG = LoggerFactory.getLogger(TelemetrySession.class);

    /** Null for a session unavailable from the start. */
    private final GpuCounters counters;
    /** 0: no sampler thread; samples are taken at each end of a window (and by {@link #sampleNow} in tests). */
    private final long intervalNanos;
    private final LongSupplier clock;
    private final List<TelemetryWindow> windows = new ArrayList<>();
    private final Thread sampler;
    private GpuIdentity gpu;
    private String driverVersion;
    private EccCounts eccStart;
    private RetiredPages retiredStart;
    /** Why telemetry is missing or stopped; null while it is read. */
    private String unavailable;
    private WindowRecorder open;
    /** Set once the counters must not be read again: after a failure, or once finished. */
    private boolean stopped;
    private DeviceTelemetry finished;

    private TelemetrySession(GpuCounters counters, String unavailable, long intervalNanos, LongSupplier clock) {
        this.counters = counters;
        this.unavailable = unavailable;
        this.intervalNanos = intervalNanos;
        this.clock = clock;
        this.stopped = counters == null;
        if (counters != null) {
            try {
                gpu = counters.identity();
                driverVersion = counters.driverVersion();
                eccStart = counters.eccCounts();
                retiredStart = counters.retiredPages();
            } catch (RuntimeException | LinkageError e) {
                fail("when the run started", e);
            }
        }
        if (!stopped && intervalNanos > 0) {
            sampler = new Thread(this::sampleLoop, "tokenmeter-telemetry");
            sampler.setDaemon(true);
            sampler.start();
        } else {
            sampler = null;
        }
    }

    /**
     * The session of a run on {@code device}: NVML's counters of its GPU for the CUDA backend (the GPU chosen by
     * {@link GpuSelector}: its PCI bus id, its UUID, else {@code CUDA_VISIBLE_DEVICES}, else index 0); for any other
     * device, or where NVML cannot be loaded or started, an unavailable session that says why. Never throws.
     */
    public static TelemetrySession open(DeviceInfo device) {
        return open(device, System.getenv("CUDA_VISIBLE_DEVICES"),
                s -> NvmlCounters.open(NvmlLibrary.NAME, s));
    }

    /** {@link #open(DeviceInfo)} with the environment variable's value and NVML's opening given (tests). */
    static TelemetrySession open(DeviceInfo device, String cudaVisibleDevices,
            Function<GpuSelector, GpuCounters> nvml) {
        if (!"cuda".equals(device.backend())) {
            return unavailable("no NVIDIA GPU in this run (" + device.backend() + " backend"
                    + ("endpoint".equals(device.backend()) ? ": the GPUs are the server's" : "") + ")");
        }
        GpuSelector selector = GpuSelector.of(device, cudaVisibleDevices);
        GpuCounters c;
        try {
            c = nvml.apply(selector);
        } catch (RuntimeException | LinkageError e) {
            LOG.info("GPU telemetry unavailable: {}", message(e));
            return unavailable(message(e));
        }
        return of(c, DEFAULT_INTERVAL);
    }

    /** A session that reads nothing and records {@code reason}. */
    public static TelemetrySession unavailable(String reason) {
        return new TelemetrySession(null, Objects.requireNonNull(reason, "reason"), 0, System::nanoTime);
    }

    /**
     * A session over {@code counters}, sampled every {@code interval} while a window is open (zero: only at each
     * end of a window). It owns the counters and closes them when it finishes.
     */
    public static TelemetrySession of(GpuCounters counters, Duration interval) {
        return of(counters, interval, System::nanoTime);
    }

    /** {@link #of(GpuCounters, Duration)} on the clock {@code clock}, nanoseconds (tests). */
    static TelemetrySession of(GpuCounters counters, Duration interval, LongSupplier clock) {
        Objects.requireNonNull(counters, "counters");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("interval must be zero or positive, got " + interval);
        }
        return new TelemetrySession(counters, null, interval.toNanos(), clock);
    }

    /** Whether the GPU's counters are being read: false for an unavailable session, and once one failed. */
    public synchronized boolean available() {
        return !stopped && unavailable == null;
    }

    /** Opens the window of the point {@code label}; a window still open is ended first, without rates. */
    public synchronized void begin(String label) {
        if (open != null) {
            end();
        }
        if (stopped) {
            return;
        }
        try {
            Long energy = counters.totalEnergyMillijoules();
            open = new WindowRecorder(label, clock.getAsLong(), energy);
            open.add(sample());
        } catch (RuntimeException | LinkageError e) {
            fail("when point '" + label + "' started", e);
        }
    }

    /**
     * Starts the open window again from now, under the same label, its samples and energy so far dropped: the
     * point's warm-up is over. Nothing where no window is open.
     */
    public synchronized void restart() {
        if (open == null || stopped) {
            return;
        }
        String label = open.label();
        open = null;
        begin(label);
    }

    /** Ends the open window without the point's rates (a point that did not finish): no energy per token. */
    public void end() {
        end(Double.NaN, Double.NaN);
    }

    /**
     * Ends the open window, its energy per output token and per query from the point's median output tokens and
     * requests per second (NaN where unknown); returns it, or null where no window was open or it could not be read.
     */
    public synchronized TelemetryWindow end(double outputTokensPerSecond, double requestsPerSecond) {
        WindowRecorder w = open;
        open = null;
        if (w == null || stopped) {
            return null;
        }
        try {
            w.add(sample());
            Long energy = counters.totalEnergyMillijoules();
            TelemetryWindow window = w.close(clock.getAsLong(), energy, outputTokensPerSecond, requestsPerSecond);
            windows.add(window);
            return window;
        } catch (RuntimeException | LinkageError e) {
            fail("when point '" + w.label() + "' ended", e);
            return null;
        }
    }

    /**
     * The record so far, for a partial result: the windows closed until now, the start's ECC counts and retired
     * pages, and no end readings (those come with {@link #finish}). The record itself once finished.
     */
    public synchronized DeviceTelemetry soFar() {
        if (finished != null) {
            return finished;
        }
        return record(null, null);
    }

    /** The record of the windows so far, with the run's end readings where given. */
    private DeviceTelemetry record(EccCounts eccEnd, RetiredPages retiredEnd) {
        Integer intervalMs = counters == null ? null : (int) Math.round(intervalNanos / 1e6);
        return new DeviceTelemetry(DeviceTelemetry.NVML, unavailable, gpu, driverVersion, intervalMs, windows,
                eccStart, eccEnd, retiredStart, retiredEnd);
    }

    /**
     * Ends the session: a window still open is ended, the ECC counts and retired pages are read once more, the
     * sampler stops and the counters are closed. Returns the record; called again, the same record.
     */
    public DeviceTelemetry finish() {
        Thread t;
        synchronized (this) {
            if (finished != null) {
                return finished;
            }
            if (open != null) {
                end();
            }
            EccCounts eccEnd = null;
            RetiredPages retiredEnd = null;
            if (!stopped) {
                try {
                    eccEnd = counters.eccCounts();
                    retiredEnd = counters.retiredPages();
                } catch (RuntimeException | LinkageError e) {
                    fail("when the run ended", e);
                }
            }
            stopped = true;
            finished = record(eccEnd, retiredEnd);
            t = sampler;
        }
        // Outside the lock, which the sampler takes: once it sees the session stopped it reads nothing more.
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (counters != null) {
            try {
                counters.close();
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("closing the GPU counters: {}", message(e));
            }
        }
        return finished;
    }

    /** {@link #finish}, its record dropped. */
    @Override
    public void close() {
        finish();
    }

    /** One sample into the open window, as the sampler takes it (tests call it in place of the thread). */
    synchronized void sampleNow() {
        if (stopped || open == null) {
            return;
        }
        try {
            open.add(sample());
        } catch (RuntimeException | LinkageError e) {
            fail("while sampling point '" + open.label() + "'", e);
        }
    }

    private void sampleLoop() {
        while (true) {
            try {
                TimeUnit.NANOSECONDS.sleep(intervalNanos);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (stopped) {
                    return;
                }
                sampleNow();
            }
        }
    }

    private WindowRecorder.Sample sample() {
        return new WindowRecorder.Sample(counters.powerMilliwatts(), counters.smClockMhz(),
                counters.memoryClockMhz(), counters.temperatureC(), counters.clocksEventReasons());
    }

    /** Stops reading the counters, and records why; the windows already closed are kept. */
    private void fail(String when, Throwable e) {
        stopped = true;
        open = null;
        int n = windows.size();
        String kept = n == 0 ? "" : n == 1 ? "; the window before it is kept"
                : "; the " + n + " windows before it are kept";
        unavailable = "NVML failed " + when + ": " + message(e) + kept;
        LOG.warn("GPU telemetry stopped: {}", unavailable);
    }

    /** The exception's message, its first line only (a reason is one line in every report). */
    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip().split("\\R", 2)[0];
    }
}
