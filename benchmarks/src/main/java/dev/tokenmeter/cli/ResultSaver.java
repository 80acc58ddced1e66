package dev.tokenmeter.cli;

import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps what a run of any scenario measured in the {@code --json} file whatever happens to the run: the whole result
 * when it completes, the points measured so far when it fails ({@link #finished} is called before the exception
 * propagates), and also when the user interrupts it (Ctrl-C, a job's time limit: the JVM runs shutdown hooks, not
 * the run's finally blocks). A point cut short is lost; every finished one is kept. Files are written atomically,
 * one write at a time, so an interrupt during the final write waits for it rather than leaving a temporary file.
 */
final class ResultSaver implements RunListener, AutoCloseable {
    private final Path file;
    private final PrintWriter err;
    private final Object lock = new Object();
    private final List<ScenarioPoint> points = new ArrayList<>();
    private final Thread hook = new Thread(this::saveOnExit, "tokenmeter-save-on-exit");
    private final String startedAt = Instant.now().toString();
    private RunSpec spec;
    private Environment environment;
    private int totalPoints;
    private boolean saved;

    ResultSaver(Path file, PrintWriter err) {
        this.file = file;
        this.err = err;
        Runtime.getRuntime().addShutdownHook(hook);
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
        totalPoints = total;
    }

    @Override
    public void pointFinished(ScenarioPoint point, int index, int total) {
        synchronized (lock) {
            points.add(point);
        }
    }

    /**
     * Writes the run's result. A complete run's failure to write is the command's failure; an incomplete run's
     * is only reported, since the error that stopped the run is the one to show.
     */
    @Override
    public void finished(Result result) {
        synchronized (lock) {
            saved = true;
            if (!result.complete() && result.points().isEmpty()) {
                // Nothing measured: leave any earlier file alone rather than replace it with an empty result.
                err.println("nothing measured; " + file + " not written");
                err.flush();
                return;
            }
            try {
                ResultJson.write(result, file);
                err.println((result.complete() ? "wrote " : "wrote partial result (" + of(result.points().size())
                        + ") to ") + file);
            } catch (RuntimeException e) {
                if (result.complete()) {
                    throw e;
                }
                err.println("tokenmeter: error: could not keep the partial result: " + e.getMessage());
            }
            err.flush();
        }
    }

    /**
     * On Ctrl-C: the points measured so far, unless the run already wrote its result. What the shutdown hook runs;
     * package-private so that a test can do what the hook does without ending its JVM.
     */
    void saveOnExit() {
        synchronized (lock) {
            if (saved || points.isEmpty() || spec == null) {
                return;
            }
            saved = true;
            List<String> warnings = new ArrayList<>(List.of("interrupted after " + of(points.size())
                    + "; a point in progress was lost"));
            // What the points so far still tell (a search's bracket so far) is kept with them.
            warnings.addAll(ScenarioType.partialWarningsOf(spec, points));
            Result partial = Result.of(startedAt, Instant.now().toString(), false, spec, environment, points,
                    warnings);
            try {
                ResultJson.write(partial, file);
                err.println("interrupted: wrote partial result (" + of(points.size()) + ") to " + file);
            } catch (RuntimeException e) {
                err.println("interrupted: could not write " + file + ": " + e.getMessage());
            }
            err.flush();
        }
    }

    /** "3 of 8 points", or "3 points" where the total is not known (a search). */
    private String of(int done) {
        return totalPoints > 0 ? done + " of " + totalPoints + " points" : done + " point" + (done == 1 ? "" : "s");
    }

    /** Removes the shutdown hook once the run is over (it is a no-op after that anyway). */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs or has run, and finds the result saved.
        }
    }
}
