package dev.tokenmeter.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A phase of a command that can take long and reports nothing itself (a large model's synthetic weights being made,
 * a warm-up before the first point), shown on stderr only where it does take long: once it has lasted
 * {@code quietNanos}, a line says it is under way, then one every {@value ConsoleProgress#LINE_SECONDS} s with the
 * time spent, and its end says how long it took. A phase shorter than {@code quietNanos} prints nothing, so that a
 * small model's run stays as terse as before.
 */
final class SlowPhase implements AutoCloseable {
    /** How long a phase may stay silent: a few seconds, after which a person starts to wonder. */
    static final long QUIET_NANOS = 3_000_000_000L;

    private final PrintWriter err;
    private final String what;
    private final long start = System.nanoTime();
    private final ScheduledExecutorService timer;
    private boolean shown;
    private boolean closed;

    private SlowPhase(PrintWriter err, String what, long quietNanos) {
        this.err = err;
        this.what = what;
        if (quietNanos <= 0) {
            // Shown from the start, on the calling thread (a test's way to see the lines without waiting).
            timer = null;
            tick();
        } else {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tokenmeter-slow-phase");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::tick, quietNanos, ConsoleProgress.LINE_SECONDS * 1_000_000_000L,
                    TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Starts timing {@code what} ("loading llama-3.2-3b on cpu"), which is shown only once it has lasted
     * {@code quietNanos} (at once where that is 0).
     */
    static SlowPhase start(PrintWriter err, String what, long quietNanos) {
        return new SlowPhase(err, what, quietNanos);
    }

    private synchronized void tick() {
        if (closed) {
            return;
        }
        err.println(what + (shown ? ": still going" : "") + String.format(Locale.ROOT, " (%.0f s)", seconds()));
        err.flush();
        shown = true;
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Ends the phase: where it was shown, a line says how long it took. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (timer != null) {
            timer.shutdownNow();
        }
        if (shown) {
            err.println(what + String.format(Locale.ROOT, ": done in %.1f s", seconds()));
            err.flush();
        }
    }
}
