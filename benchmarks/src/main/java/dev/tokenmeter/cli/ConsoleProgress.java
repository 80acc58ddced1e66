package dev.tokenmeter.cli;

import dev.tokenmeter.result.PointResult;
import dev.tokenmeter.scenario.OfflineSpec;
import dev.tokenmeter.scenario.ProgressListener;
import dev.tokenmeter.scenario.TrialRecord;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress lines on stderr while a run goes, so that a long run shows it is alive and stdout keeps only the
 * report: one line per point started, per warm-up and per trial finished.
 */
final class ConsoleProgress implements ProgressListener {
    private final PrintWriter err;
    private int index;
    private int total;

    ConsoleProgress(PrintWriter err) {
        this.err = err;
    }

    private String where(OfflineSpec.Point p) {
        return String.format(Locale.ROOT, "[%d/%d] batch %d, prompt %d, output %d", index + 1, total, p.batch(),
                p.promptLength(), p.outputLength());
    }

    @Override
    public void pointStarted(OfflineSpec.Point point, int index, int total) {
        this.index = index;
        this.total = total;
        err.println(where(point) + ": started");
        err.flush();
    }

    @Override
    public void warmupFinished(OfflineSpec.Point point, int warmupIndex) {
        err.println(where(point) + ": warm-up " + (warmupIndex + 1) + " done");
        err.flush();
    }

    @Override
    public void trialFinished(OfflineSpec.Point point, int trialsDone, TrialRecord trial) {
        err.println(String.format(Locale.ROOT, "%s: trial %d (%.2f s)", where(point), trialsDone,
                trial.e2eMs() / 1e3));
        err.flush();
    }

    @Override
    public void pointFinished(PointResult result, int index, int total) {
        double outRate = result.metrics().outputTokensPerSecond().median();
        err.println(String.format(Locale.ROOT, "[%d/%d] done: %d trials, %.1f output tok/s (median)", index + 1,
                total, result.trials().size(), outRate));
        err.flush();
    }
}
