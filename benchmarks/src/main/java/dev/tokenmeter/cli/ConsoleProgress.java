package dev.tokenmeter.cli;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.result.Detail;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.PointProgress;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunDescription;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Progress on stderr while a run of any scenario goes, so that a long run shows it is alive and stdout keeps only the
 * report. It starts with one line saying what runs where. On a terminal each point is one line redrawn in place with
 * '\r' (a bar, what the point is doing, the time spent), then a summary line; elsewhere (a CI log, a file) it is
 * plain lines: one per point started, per milestone the scenario reports (a warm-up or a trial done) and, for
 * long points, one every {@value #LINE_SECONDS} seconds, then a summary.
 */
final class ConsoleProgress implements RunListener {
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
    /** In log lines, an update that is no milestone is written at most this often. */
    static final int LINE_SECONDS = 10;
    /** Cells of the bar; the whole frame stays within an 80-column terminal so that '\r' redraws one line. */
    private static final int BAR_CELLS = 10;
    private static final int MAX_FRAME = 79;

    private final PrintWriter err;
    private final boolean bar;
    private final long refreshNanos;
    private final long quietNanos;
    /** The silent phase under way (the engine's load, the warm-up before the first point), or null. */
    private SlowPhase phase;

    private ScenarioType<?, ?> type;
    private String where = "";
    private String point = "";
    private String status = "";
    private long pointStart;
    private long lastLine;
    private double fraction;
    private long lastDraw;
    private int lastFrameLength;
    private boolean lineOpen;

    /**
     * @param mode         BAR or LINES (AUTO is resolved by the caller, NONE means no listener at all)
     * @param refreshNanos least time between two redraws of the bar within a point
     */
    ConsoleProgress(PrintWriter err, Mode mode, long refreshNanos) {
        this(err, mode, refreshNanos, SlowPhase.QUIET_NANOS);
    }

    /**
     * @param quietNanos how long a phase that reports nothing itself (the engine's load, a warm-up) stays silent
     *                   before a line says it is under way; 0 shows it at once
     */
    ConsoleProgress(PrintWriter err, Mode mode, long refreshNanos, long quietNanos) {
        if (mode != Mode.BAR && mode != Mode.LINES) {
            throw new IllegalArgumentException("mode must be BAR or LINES, got " + mode);
        }
        this.err = err;
        this.bar = mode == Mode.BAR;
        this.refreshNanos = refreshNanos;
        this.quietNanos = quietNanos;
    }

    /** The listener {@code --progress} and {@code --quiet} ask for. */
    static RunListener create(Mode mode, boolean quiet, PrintWriter err) {
        Mode m = quiet ? Mode.NONE : mode.resolve();
        return m == Mode.NONE ? RunListener.NONE : new ConsoleProgress(err, m, DEFAULT_REFRESH_NANOS);
    }

    /**
     * Whether a person is watching: the JVM has a console (stdin and stdout on a terminal; Java 17 cannot ask
     * about stderr alone) and the terminal can move the cursor back ({@code TERM=dumb} cannot).
     */
    static boolean interactiveTerminal() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /** The engine's load: its synthetic weights take tens of seconds for a 3B model on the CPU. */
    @Override
    public void loading(RunSpec spec, DeviceInfo device) {
        phase(SlowPhase.start(err, "loading " + spec.model().name() + " on " + device.backend() + " ("
                + RunDescription.params(spec.model().accounting().parameterCount()) + " parameters of synthetic"
                + " weights)", quietNanos));
    }

    private void phase(SlowPhase next) {
        if (phase != null) {
            phase.close();
        }
        phase = next;
    }

    /**
     * "offline: tiny on cpu (AMD EPYC); trials 1 warm-up, ...": what runs where, once; then how long it will take,
     * as far as the spec says. What comes before the first point (a serving warm-up) is shown if it takes long.
     */
    @Override
    public void started(RunSpec spec, Environment environment) {
        phase(null);
        type = spec.scenario().type();
        List<String> parts = new ArrayList<>();
        for (Detail d : details(spec.scenario().type(), spec)) {
            parts.add(d.name().toLowerCase(Locale.ROOT) + " " + d.text());
        }
        err.println(type.name() + ": " + spec.model().name() + " on " + environment.device().backend() + " ("
                + environment.device().name() + "), " + RunDescription.threads(spec.threads())
                + (parts.isEmpty() ? "" : "; " + String.join("; ", parts)));
        String estimate = estimate(type, spec);
        if (estimate != null) {
            err.println("estimated duration: " + estimate);
        }
        err.flush();
        phase(SlowPhase.start(err, "warming up before the first point", quietNanos));
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> String estimate(ScenarioType<S, P> type,
            RunSpec spec) {
        return type.estimate(type.specType().cast(spec.scenario()));
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> List<Detail> details(ScenarioType<S, P> type,
            RunSpec spec) {
        return type.details(type.specType().cast(spec.scenario()));
    }

    @Override
    public void pointStarted(String label, int index, int total) {
        phase(null);
        where = total > 0 ? "[" + (index + 1) + "/" + total + "]" : "[" + (index + 1) + "]";
        point = label;
        status = "";
        fraction = 0;
        pointStart = System.nanoTime();
        lastLine = pointStart;
        if (bar) {
            draw(true);
        } else {
            err.println(where + " " + point + ": started");
            err.flush();
        }
    }

    @Override
    public void progress(PointProgress p) {
        status = p.status();
        if (Double.isFinite(p.fraction())) {
            fraction = Math.max(fraction, p.fraction());
        }
        if (bar) {
            draw(false);
            return;
        }
        long now = System.nanoTime();
        if (p.milestone() || now - lastLine >= LINE_SECONDS * 1_000_000_000L) {
            lastLine = now;
            err.println(String.format(Locale.ROOT, "%s %s: %s (%.1f s)", where, point, status,
                    (now - pointStart) / 1e9));
            err.flush();
        }
    }

    @Override
    public void pointFinished(ScenarioPoint p, int index, int total) {
        if (bar) {
            fraction = 1;
            draw(true);
            endLine();
        }
        err.println(where + " " + p.label() + " done: " + summary(type, p));
        err.flush();
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> String summary(ScenarioType<S, P> type,
            ScenarioPoint p) {
        return type.summary(type.pointType().cast(p));
    }

    /**
     * A run that stops midway must not leave the error message on the end of a half-drawn bar. The run's own
     * warnings (a search's answer, a missing price) end the progress, so that they are seen whatever goes to
     * stdout.
     */
    @Override
    public void finished(Result result) {
        phase(null);
        if (lineOpen) {
            endLine();
        }
        for (String w : result.warnings()) {
            err.println("warning: " + w);
        }
        err.flush();
    }

    private void endLine() {
        err.println();
        lineOpen = false;
        lastFrameLength = 0;
    }

    private void draw(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < refreshNanos) {
            return;
        }
        lastDraw = now;
        StringBuilder rest = new StringBuilder(" [");
        int filled = (int) Math.round(fraction * BAR_CELLS);
        for (int i = 0; i < BAR_CELLS; i++) {
            rest.append(i < filled ? '#' : '.');
        }
        rest.append("] ");
        if (!status.isEmpty()) {
            rest.append(status).append(' ');
        }
        rest.append(String.format(Locale.ROOT, "%.1fs", (now - pointStart) / 1e9));
        // The point's label gives way first: the start and done lines name it in full.
        int room = MAX_FRAME - where.length() - 1 - rest.length();
        String label = point.length() <= room ? point : point.substring(0, Math.max(0, room - 1)) + "\u2026";
        StringBuilder frame = new StringBuilder(MAX_FRAME).append(where).append(' ').append(label).append(rest);
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
}
