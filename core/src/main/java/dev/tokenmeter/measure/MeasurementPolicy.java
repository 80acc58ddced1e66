package dev.tokenmeter.measure;

/**
 * How many times a point is measured. Warm-up trials run first and are discarded (JIT, allocation, graph
 * capture). Then at least {@code minTrials} trials run; more follow while the point's time budget lasts, up to
 * {@code maxTrials}.
 *
 * @param warmupTrials trials run and discarded first
 * @param minTrials    trials always measured
 * @param maxTrials    trials at most
 * @param budgetSeconds wall time per point after which no new trial starts (once minTrials are done)
 */
public record MeasurementPolicy(int warmupTrials, int minTrials, int maxTrials, double budgetSeconds) {
    public MeasurementPolicy {
        if (warmupTrials < 0) {
            throw new IllegalArgumentException("warmupTrials must be >= 0, got " + warmupTrials);
        }
        if (minTrials < 1) {
            throw new IllegalArgumentException("minTrials must be >= 1, got " + minTrials);
        }
        if (maxTrials < minTrials) {
            throw new IllegalArgumentException("maxTrials must be >= minTrials (" + minTrials + "), got "
                    + maxTrials);
        }
        if (!(budgetSeconds >= 0) || !Double.isFinite(budgetSeconds)) {
            throw new IllegalArgumentException("budgetSeconds must be a finite number >= 0, got " + budgetSeconds);
        }
    }

    /** One warm-up, at least 3 trials, at most 50, 10 seconds per point. */
    public static MeasurementPolicy defaults() {
        return new MeasurementPolicy(1, 3, 50, 10.0);
    }

    /** Whether another trial should start, given those done and the time spent on this point so far. */
    public boolean wantsAnother(int trialsDone, double elapsedSeconds) {
        if (trialsDone < minTrials) {
            return true;
        }
        return trialsDone < maxTrials && elapsedSeconds < budgetSeconds;
    }
}
