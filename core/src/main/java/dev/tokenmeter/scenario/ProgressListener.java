package dev.tokenmeter.scenario;

import dev.tokenmeter.result.PointResult;
import dev.tokenmeter.result.Result;

/** Hears about a run as it goes; every method defaults to doing nothing. Called on the running thread. */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {
    };

    default void pointStarted(OfflineSpec.Point point, int index, int total) {
    }

    default void warmupFinished(OfflineSpec.Point point, int warmupIndex) {
    }

    default void trialFinished(OfflineSpec.Point point, int trialsDone, TrialRecord trial) {
    }

    default void pointFinished(PointResult result, int index, int total) {
    }

    /**
     * The run ended, completely or not ({@link Result#complete()}): the points measured so far. Called before
     * an exception that stopped the run propagates, so that nothing measured is lost.
     */
    default void runFinished(Result result) {
    }
}
