package dev.tokenmeter.cli;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.result.AtomicFiles;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keeps what a run of any scenario measured whatever happens to the run, without ever putting an incomplete result
 * where a complete one may be. The {@code --json} file NAME.json only ever receives a complete result; while the run
 * goes, each point is written as it finishes, atomically, into NAME.partial.json beside it (a valid result marked
 * incomplete), so that SIGKILL, an out-of-memory kill or a job's time limit loses only the point in progress. The
 * complete result replaces NAME.json at the end and the file in progress is removed; a run that fails or is
 * interrupted (Ctrl-C: the JVM runs shutdown hooks, not the run's finally blocks) leaves its points in
 * NAME.partial.json and says so. A destination that is not a regular file (a FIFO, a device) takes one document,
 * written once at the end, complete or not. Without a file, an interruption is still reported.
 */
final class ResultSaver implements RunListener, AutoCloseable {
    private final Path file;
    private final Path partial;
    private final RunLock runLock;
    private final PrintWriter err;
    private final Object lock = new Object();
    private final List<ScenarioPoint> points = new ArrayList<>();
    private final Thread hook = new Thread(this::saveOnExit, "tokenmeter-save-on-exit");
    private final String startedAt = Instant.now().toString();
    private RunSpec spec;
    private Environment environment;
    /** The device's telemetry as of the last point, for the partial results; null until a point finished. */
    private DeviceTelemetry telemetry;
    private int totalPoints;
    private boolean saved;
    private boolean partialWritten;
    private boolean persistFailed;

    /**
     * @param file the {@code --json} file, null for none; another run writing it at the same time is refused
     */
    ResultSaver(Path file, PrintWriter err) {
        this.file = file;
        this.err = err;
        boolean special = file != null && AtomicFiles.writesThrough(file);
        this.partial = file == null || special ? null : partialOf(file);
        this.runLock = partial == null ? null : RunLock.acquire(file);
        if (partial != null && Files.exists(partial)) {
            err.println("note: " + partial + " holds the points of an earlier run that stopped; this run replaces"
                    + " it once it has measured a point");
            err.flush();
        }
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Where the points of a run in progress, or of one that stopped, are kept: NAME.partial.json beside NAME.json. */
    static Path partialOf(Path file) {
        String name = file.getFileName().toString();
        String base = name.toLowerCase(Locale.ROOT).endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return file.resolveSibling(base + ".partial.json");
    }

    @Override
    public void started(RunSpec runSpec, Environment env) {
        synchronized (lock) {
            this.spec = runSpec;
            this.environment = env;
        }
    }

    @Override
    public void pointStarted(String point, int index, int total) {
        synchronized (lock) {
            totalPoints = total;
        }
    }

    @Override
    public void telemetry(DeviceTelemetry soFar) {
        synchronized (lock) {
            this.telemetry = soFar;
        }
    }

    /** The run's environment with the telemetry of its points so far. */
    private Environment environmentSoFar() {
        return telemetry == null || environment == null ? environment : environment.withTelemetry(telemetry);
    }

    /** Keeps the point, and writes the points so far into the file in progress. */
    @Override
    public void pointFinished(ScenarioPoint point, int index, int total) {
        synchronized (lock) {
            points.add(point);
            if (partial == null || saved || spec == null) {
                return;
            }
            List<String> warnings = new ArrayList<>(List.of("the run was still going when this was written: "
                    + of(points.size()) + " measured"));
            warnings.addAll(ScenarioType.partialWarningsOf(spec, points));
            Result soFar = Result.of(startedAt, Instant.now().toString(), false, spec, environmentSoFar(), points,
                    warnings);
            try {
                ResultJson.write(soFar, partial);
                partialWritten = true;
            } catch (RuntimeException e) {
                if (!persistFailed) {
                    persistFailed = true;
                    err.println("tokenmeter: warning: could not keep the points so far in " + partial + ": "
                            + e.getMessage() + "; the run goes on");
                    err.flush();
                }
            }
        }
    }

    /**
     * Writes the run's result: a complete one to the file (its failure is the command's), the points of an
     * incomplete one beside it (a failure to keep them is only reported: the error that stopped the run is the one
     * to show).
     */
    @Override
    public void finished(Result result) {
        synchronized (lock) {
            if (saved || file == null) {
                saved = true;
                return;
            }
            saved = true;
            if (result.complete()) {
                writeComplete(result);
            } else if (result.points().isEmpty()) {
                // Nothing measured: leave any earlier file alone rather than replace it with an empty result.
                err.println("nothing was measured; " + file + leftAlone());
            } else {
                keepPartial(result, "");
            }
            err.flush();
            release();
        }
    }

    private void writeComplete(Result result) {
        try {
            ResultJson.write(result, file);
        } catch (RuntimeException e) {
            throw partialWritten ? new TokenmeterException(e.getMessage() + "; the points measured are kept in "
                    + partial + " (marked incomplete)", e) : e;
        }
        if (partial != null) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                err.println("tokenmeter: warning: could not remove " + partial + ": " + e);
            }
        }
        err.println("wrote " + file);
    }

    /** The points of a run that stopped: beside the file (or through it, when it is no regular file). */
    private void keepPartial(Result result, String prefix) {
        Path where = partial == null ? file : partial;
        try {
            ResultJson.write(result, where);
        } catch (RuntimeException e) {
            err.println("tokenmeter: error: " + prefix + "could not keep the partial result (" + of(result.points()
                    .size()) + ") in " + where + ": " + e.getMessage());
            return;
        }
        if (partial == null) {
            err.println(prefix + "wrote partial result (" + of(result.points().size()) + ") to " + file);
        } else {
            err.println(prefix + "kept partial result (" + of(result.points().size()) + ") in " + partial + "; "
                    + file + leftAlone());
        }
    }

    /**
     * On Ctrl-C: the points measured so far, unless the run already wrote its result; and in any case a line saying
     * what was measured. What the shutdown hook runs; package-private so that a test can do what the hook does
     * without ending its JVM.
     */
    void saveOnExit() {
        synchronized (lock) {
            if (saved) {
                return;
            }
            saved = true;
            // What the points so far still tell (a search's bracket so far): said, and kept with them.
            List<String> answers = spec == null ? List.of() : ScenarioType.partialWarningsOf(spec, points);
            for (String a : answers) {
                err.println("interrupted: " + a);
            }
            if (points.isEmpty() || spec == null) {
                err.println("interrupted: nothing was measured" + (file == null ? ""
                        : "; " + file + leftAlone()));
            } else if (file == null) {
                err.println("interrupted after " + of(points.size()) + "; they were not kept (--json FILE keeps"
                        + " every finished point)");
            } else {
                List<String> warnings = new ArrayList<>(List.of("interrupted after " + of(points.size())
                        + "; a point in progress was lost"));
                warnings.addAll(answers);
                Result stopped = Result.of(startedAt, Instant.now().toString(), false, spec, environmentSoFar(), points,
                        warnings);
                keepPartial(stopped, "interrupted: ");
            }
            err.flush();
            release();
        }
    }

    /** What became of the file a run that stopped did not write. */
    private String leftAlone() {
        return Files.exists(file) ? " left as it was" : " not written";
    }

    /** "3 of 8 points", or "3 points" where the total is not known (a search). */
    private String of(int done) {
        return totalPoints > 0 ? done + " of " + totalPoints + " points" : done + " point" + (done == 1 ? "" : "s");
    }

    private void release() {
        if (runLock != null) {
            runLock.close();
        }
    }

    /** Lets go of the file and removes the shutdown hook once the run is over (a no-op after that anyway). */
    @Override
    public void close() {
        synchronized (lock) {
            release();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs or has run, and finds the result saved.
        }
    }
}
