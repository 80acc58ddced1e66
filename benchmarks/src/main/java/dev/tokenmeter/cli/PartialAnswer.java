package dev.tokenmeter.cli;

import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioType;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * On an interrupt (Ctrl-C, a job's time limit), says on stderr what the points measured so far still tell
 * ({@link ScenarioType#partialWarnings}): an SLO search's bracket so far, which half an hour of probes has paid for.
 * The JVM runs shutdown hooks, not the run's own code, on an interrupt; a run that ends by itself says its answer
 * through its result, and this says nothing.
 */
final class PartialAnswer implements RunListener, AutoCloseable {
    private final PrintWriter err;
    private final Object lock = new Object();
    private final List<ScenarioPoint> points = new ArrayList<>();
    private final Thread hook = new Thread(this::sayOnExit, "tokenmeter-partial-answer");
    private RunSpec spec;
    private boolean over;

    PartialAnswer(PrintWriter err) {
        this.err = err;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void started(RunSpec runSpec, Environment environment) {
        synchronized (lock) {
            spec = runSpec;
        }
    }

    @Override
    public void pointFinished(ScenarioPoint point, int index, int total) {
        synchronized (lock) {
            points.add(point);
        }
    }

    @Override
    public void finished(Result result) {
        synchronized (lock) {
            over = true;
        }
    }

    /** What the shutdown hook runs; package-private so that a test can do it without ending its JVM. */
    void sayOnExit() {
        synchronized (lock) {
            if (over || spec == null) {
                return;
            }
            over = true;
            for (String w : ScenarioType.partialWarningsOf(spec, points)) {
                err.println("interrupted: " + w);
            }
            err.flush();
        }
    }

    /** Removes the shutdown hook once the run is over. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs or has run.
        }
    }
}
