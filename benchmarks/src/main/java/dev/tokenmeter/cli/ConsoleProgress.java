package dev.tokenmeter.cli;

import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.result.PointResult;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.scenario.OfflineSpec;
import dev.tokenmeter.scenario.ProgressListener;
import dev.tokenmeter.scenario.TrialRecord;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;

/**
 * Progress on stderr while a run goes, so that a long run shows it is alive and stdout keeps only the report.
 * On a terminal it is one line per point, redrawn in place with '\r' (a bar, the trial count, the precision the
 * trials so far pin the headline metric down to, and the time spent), then a summary line; elsewhere (a CI log, a
 * file) it is plain lines: one per point started, per warm-up and per trial, and a summary.
 */
final class ConsoleProgress implements ProgressListener {
    /** What {@code --progress} asks for. */
    enum Mode {
        AUTO, BAR, LINES, NONE;

        static Mode parse(String text) {
            for (Mode m : values()) {
                if (m.name().equalsIgnoreCase(text.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("--progress must be auto, bar, lines or none, got '" + text + "'");
        }

        /** AUTO made concrete: a bar on an interactive terminal, lines elsewhere. */
        Mode resolve() {
            return this != AUTO ? this : interactiveTerminal() ? BAR : LINES;
        }
    }

    /** Redraws of the bar at most this often (a trial of the tiny model takes a millisecond). */
    static final long DEFAULT_REFRESH_NANOS = 100_000_000L;
    /** Cells of the bar; the whole frame stays within an 80-column terminal so that '\r' redraws one line. */
    private static final int BAR_CELLS = 10;
    private static final int MAX_FRAME = 79;

    private final PrintWriter err;
    private final boolean bar;
    private final MeasurementPolicy policy;
    private final long refreshNanos;

    private int index;
    private int total;
    private OfflineSpec.Point point;
    private long pointStart;
    private long measureStart;
    private int warmupsDone;
    private double[] headline = new double[0];
    private double fraction;
    private long lastDraw;
    private int lastFrameLength;
    private boolean lineOpen;

    /**
     * @param mode         BAR or LINES (AUTO is resolved by the caller, NONE means no listener at all)
     * @param policy       the run's measurement policy, for the bar's fill and the precision target
     * @param refreshNanos least time between two redraws of the bar within a point
     */
    ConsoleProgress(PrintWriter err, Mode mode, MeasurementPolicy policy, long refreshNanos) {
        if (mode != Mode.BAR && mode != Mode.LINES) {
            throw new IllegalArgumentException("mode must be BAR or LINES, got " + mode);
        }
        this.err = err;
        this.bar = mode == Mode.BAR;
        this.policy = policy;
        this.refreshNanos = refreshNanos;
    }

    /** The listener {@code --progress} and {@code --quiet} ask for. */
    static ProgressListener create(Mode mode, boolean quiet, PrintWriter err, MeasurementPolicy policy) {
        Mode m = quiet ? Mode.NONE : mode.resolve();
        return m == Mode.NONE ? ProgressListener.NONE : new ConsoleProgress(err, m, policy, DEFAULT_REFRESH_NANOS);
    }

    /**
     * Whether a person is watching: the JVM has a console (stdin and stdout on a terminal; Java 17 cannot ask
     * about stderr alone) and the terminal can move the cursor back ({@code TERM=dumb} cannot).
     */
    static boolean interactiveTerminal() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    private String where(OfflineSpec.Point p) {
        return String.format(Locale.ROOT, "[%d/%d] batch %d, prompt %d, output %d", index + 1, total, p.batch(),
                p.promptLength(), p.outputLength());
    }

    @Override
    public void pointStarted(OfflineSpec.Point p, int index, int total) {
        this.index = index;
        this.total = total;
        this.point = p;
        this.pointStart = System.nanoTime();
        this.measureStart = pointStart;
        this.warmupsDone = 0;
        this.headline = new double[0];
        this.fraction = 0;
        if (bar) {
            draw(true);
        } else {
            err.println(where(p) + ": started");
            err.flush();
        }
    }

    @Override
    public void warmupFinished(OfflineSpec.Point p, int warmupIndex) {
        warmupsDone = warmupIndex + 1;
        // The budget counts measured trials only: its clock starts after the last warm-up.
        measureStart = System.nanoTime();
        if (bar) {
            draw(false);
        } else {
            err.println(where(p) + ": warm-up " + warmupsDone + " done");
            err.flush();
        }
    }

    @Override
    public void trialFinished(OfflineSpec.Point p, int trialsDone, TrialRecord trial) {
        headline = Arrays.copyOf(headline, trialsDone);
        // The headline metric, as the stopping rule sees it: output tokens over the trial's duration.
        headline[trialsDone - 1] = trial.outputTokensPerSecond(p.batch(), p.outputLength());
        fraction = Math.max(fraction, pointFraction(trialsDone, (System.nanoTime() - measureStart) / 1e9));
        if (bar) {
            draw(false);
        } else {
            double rel = relativeCi();
            err.println(String.format(Locale.ROOT, "%s: trial %d (%.2f s%s)", where(p), trialsDone,
                    trial.e2eMs() / 1e3, Double.isFinite(rel) ? ", ±" + percent(rel) : ""));
            err.flush();
        }
    }

    @Override
    public void pointFinished(PointResult result, int index, int total) {
        if (bar) {
            fraction = 1;
            draw(true);
            err.println();
            lineOpen = false;
            lastFrameLength = 0;
        }
        double outRate = result.metrics().outputTokensPerSecond().median();
        Precision pr = result.precision();
        String precision = pr == null || !Double.isFinite(pr.relativeCiHalfWidth()) ? ""
                : ", ±" + percent(pr.relativeCiHalfWidth()) + " at 95% (target ±" + percent(pr.target())
                        + ", stopped by " + pr.stoppedBy() + ")";
        err.println(String.format(Locale.ROOT, "[%d/%d] done: %d trials, %.1f output tok/s (median)%s", index + 1,
                total, result.trials().size(), outRate, precision));
        err.flush();
    }

    /** A run that stops midway must not leave the error message on the end of a half-drawn bar. */
    @Override
    public void runFinished(Result result) {
        if (lineOpen) {
            err.println();
            err.flush();
            lineOpen = false;
            lastFrameLength = 0;
        }
    }

    /**
     * How far the point has got, in [0, 1]: it ends at maxTrials or when the budget is spent, whichever comes
     * first (earlier if the precision is reached), and never before minTrials.
     */
    private double pointFraction(int trialsDone, double elapsedSeconds) {
        double byTrials = (double) trialsDone / policy.maxTrials();
        double byTime = policy.budgetSeconds() > 0 ? elapsedSeconds / policy.budgetSeconds() : 1;
        double f = Math.min(1, Math.max(byTrials, byTime));
        if (trialsDone < policy.minTrials()) {
            f = Math.min(f, (double) trialsDone / policy.minTrials());
        }
        return f;
    }

    private double relativeCi() {
        return headline.length < 2 ? Double.NaN : Summary.of(headline).relativeCiHalfWidth();
    }

    private void draw(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < refreshNanos) {
            return;
        }
        lastDraw = now;
        OfflineSpec.Point p = point;
        StringBuilder frame = new StringBuilder(MAX_FRAME);
        frame.append(String.format(Locale.ROOT, "[%d/%d] b=%d p=%d g=%d [", index + 1, total, p.batch(),
                p.promptLength(), p.outputLength()));
        int filled = (int) Math.round(fraction * BAR_CELLS);
        for (int i = 0; i < BAR_CELLS; i++) {
            frame.append(i < filled ? '#' : '.');
        }
        frame.append("] ");
        if (headline.length == 0 && policy.warmupTrials() > 0) {
            frame.append("warm-up ").append(warmupsDone).append('/').append(policy.warmupTrials());
        } else {
            frame.append("trial ").append(headline.length);
            double rel = relativeCi();
            if (Double.isFinite(rel)) {
                frame.append(" ±").append(percent(rel)).append(" (target ").append(percent(
                        policy.targetRelativeCi())).append(')');
            }
        }
        frame.append(String.format(Locale.ROOT, " %.1fs", (now - pointStart) / 1e9));
        if (frame.length() > MAX_FRAME) {
            frame.setLength(MAX_FRAME);
        }
        // Spaces over what is left of a longer previous frame.
        int length = frame.length();
        for (int i = length; i < lastFrameLength; i++) {
            frame.append(' ');
        }
        lastFrameLength = length;
        err.print('\r');
        err.print(frame);
        err.flush();
        lineOpen = true;
    }

    /** A fraction as a percentage with at most two decimals and no trailing zeros: 0.01 is "1%", 0.0123 "1.23%". */
    static String percent(double fraction) {
        String s = String.format(Locale.ROOT, "%.2f", 100 * fraction);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s + "%";
    }
}
