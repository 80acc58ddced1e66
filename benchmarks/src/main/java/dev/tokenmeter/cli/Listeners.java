package dev.tokenmeter.cli;

import dev.tokenmeter.result.PointResult;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.scenario.OfflineSpec;
import dev.tokenmeter.scenario.ProgressListener;
import dev.tokenmeter.scenario.TrialRecord;
import java.util.List;

/** Several progress listeners heard as one, each event passed to each in the order given. */
final class Listeners implements ProgressListener {
    private final List<ProgressListener> all;

    private Listeners(List<ProgressListener> all) {
        this.all = all;
    }

    static ProgressListener of(ProgressListener... listeners) {
        return new Listeners(List.of(listeners));
    }

    @Override
    public void pointStarted(OfflineSpec.Point point, int index, int total) {
        all.forEach(l -> l.pointStarted(point, index, total));
    }

    @Override
    public void warmupFinished(OfflineSpec.Point point, int warmupIndex) {
        all.forEach(l -> l.warmupFinished(point, warmupIndex));
    }

    @Override
    public void trialFinished(OfflineSpec.Point point, int trialsDone, TrialRecord trial) {
        all.forEach(l -> l.trialFinished(point, trialsDone, trial));
    }

    @Override
    public void pointFinished(PointResult result, int index, int total) {
        all.forEach(l -> l.pointFinished(result, index, total));
    }

    /** Every listener hears the end even if an earlier one throws (the saver must keep a partial result). */
    @Override
    public void runFinished(Result result) {
        RuntimeException first = null;
        for (ProgressListener l : all) {
            try {
                l.runFinished(result);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
