package dev.tokenmeter.cli;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.PointResult;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.OfflineSpec;
import dev.tokenmeter.scenario.ProgressListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps what a run measured in the {@code --json} file whatever happens to the run: the whole result when it
 * completes, the points measured so far when it fails ({@link #runFinished} is called before the exception
 * propagates), and also when the user interrupts it (Ctrl-C runs the shutdown hook, not the run's finally
 * blocks). Files are written atomically, and one write at a time, so an interrupt during the final write waits
 * for it rather than leaving a temporary file behind.
 */
final class ResultSaver implements ProgressListener, AutoCloseable {
    private final Path file;
    private final RunSpec spec;
    private final DeviceInfo device;
    private final PrintWriter err;
    private final String startedAt = Instant.now().toString();
    private final Object lock = new Object();
    private final List<PointResult> points = new ArrayList<>();
    private final Thread hook = new Thread(this::saveOnExit, "tokenmeter-save-on-exit");
    private int totalPoints;
    private boolean saved;

    ResultSaver(Path file, RunSpec spec, DeviceInfo device, PrintWriter err) {
        this.file = file;
        this.spec = spec;
        this.device = device;
        this.err = err;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void pointStarted(OfflineSpec.Point point, int index, int total) {
        totalPoints = total;
    }

    @Override
    public void pointFinished(PointResult result, int index, int total) {
        synchronized (lock) {
            points.add(result);
        }
    }

    /**
     * Writes the run's result. A complete run's failure to write is the command's failure; an incomplete run's
     * is only reported, since the error that stopped the run is the one to show.
     */
    @Override
    public void runFinished(Result result) {
        synchronized (lock) {
            saved = true;
            if (!result.complete() && result.points().isEmpty()) {
                // Nothing measured: leave any earlier file alone rather than replace it with an empty result.
                err.println("nothing measured; " + file + " not written");
                return;
            }
            try {
                ResultJson.write(result, file);
                err.println((result.complete() ? "wrote " : "wrote partial result (" + result.points().size()
                        + " of " + totalPoints + " points) to ") + file);
            } catch (RuntimeException e) {
                if (result.complete()) {
                    throw e;
                }
                err.println("tokenmeter: error: could not keep the partial result: " + e.getMessage());
            }
            err.flush();
        }
    }

    /** On Ctrl-C: the points measured so far, unless the run already wrote its result. */
    private void saveOnExit() {
        synchronized (lock) {
            if (saved || points.isEmpty()) {
                return;
            }
            saved = true;
            Result partial = new Result(Result.SCHEMA_VERSION, Result.TOOL, "offline", startedAt,
                    Instant.now().toString(), false, spec, Environment.capture(device), points, List.of(),
                    List.of("interrupted after " + points.size() + " of " + totalPoints + " points"));
            try {
                ResultJson.write(partial, file);
                err.println("interrupted: wrote partial result (" + points.size() + " of " + totalPoints
                        + " points) to " + file);
            } catch (RuntimeException e) {
                err.println("interrupted: could not write " + file + ": " + e.getMessage());
            }
            err.flush();
        }
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
