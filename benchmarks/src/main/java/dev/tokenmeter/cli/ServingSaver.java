package dev.tokenmeter.cli;

import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ServingPointResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps what {@code serve} measured in its {@code --json} file whatever happens: the whole result when the run
 * completes ({@link #write}), the points measured so far when it fails ({@link #failed}), and also
 * when it is interrupted (Ctrl-C, a job's time limit: the JVM runs shutdown hooks, not finally blocks). A point
 * cut short is lost; every finished one is kept. One write at a time, atomically. The serving counterpart of
 * {@link ResultSaver}, which follows the offline scenario's progress events.
 */
final class ServingSaver implements AutoCloseable {
    private final Path file;
    private final RunSpec spec;
    private final Environment environment;
    private final String startedAt;
    private final PrintWriter err;
    private final List<ServingPointResult> points = new ArrayList<>();
    private final Thread hook;
    private boolean saved;

    /** @param file the {@code --json} file, or null: then points are only collected */
    ServingSaver(Path file, RunSpec spec, Environment environment, String startedAt, PrintWriter err) {
        this.file = file;
        this.spec = spec;
        this.environment = environment;
        this.startedAt = startedAt;
        this.err = err;
        this.hook = file == null ? null : new Thread(this::saveOnExit, "tokenmeter-serve-save-on-exit");
        if (hook != null) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
    }

    /** A finished point. */
    synchronized void add(ServingPointResult point) {
        points.add(point);
    }

    /** Writes a completed run's result to the file, when there is one. */
    synchronized void write(Result complete) {
        saved = true;
        if (file != null) {
            ResultJson.write(complete, file);
            err.println("wrote " + file);
            err.flush();
        }
    }

    /**
     * The run failed: the result of the points measured before, written to the file when there is one. A run that
     * measured nothing leaves an earlier file alone.
     */
    synchronized Result failed() {
        saved = true;
        Result result = partial(List.of());
        if (file != null) {
            err.println(points.isEmpty() ? "nothing measured; " + file + " not written" : writePartial(result, ""));
            err.flush();
        }
        return result;
    }

    /** On interruption (the shutdown hook): the points finished so far, unless the run already wrote its result. */
    synchronized void saveOnExit() {
        if (saved || points.isEmpty()) {
            return;
        }
        saved = true;
        Result result = partial(List.of("interrupted after " + points.size() + " points; a point in progress was"
                + " lost"));
        try {
            err.println(writePartial(result, "interrupted: "));
        } catch (RuntimeException e) {
            err.println("interrupted: could not write " + file + ": " + e.getMessage());
        }
        err.flush();
    }

    /** An incomplete result of the points finished so far. */
    private Result partial(List<String> warnings) {
        return new Result(Result.SCHEMA_VERSION, Result.TOOL, Result.SERVING, startedAt, Instant.now().toString(),
                false, spec, environment, List.of(), points, warnings);
    }

    /** Writes {@code result} and returns the line that says so. */
    private String writePartial(Result result, String prefix) {
        ResultJson.write(result, file);
        return prefix + "wrote partial result (" + points.size() + " points) to " + file;
    }

    /** Removes the shutdown hook once the run is over. */
    @Override
    public void close() {
        if (hook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs or has run, and finds the result saved.
        }
    }
}
