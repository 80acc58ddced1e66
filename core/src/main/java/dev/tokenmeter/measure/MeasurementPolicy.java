package dev.tokenmeter.measure;

/**
 * How many times a point is measured (nvbench's "stdrel" rule is the model). Warm-up trials run first and are
 * discarded (JIT, allocation, graph capture). Then at least {@code minTrials} trials run; more follow until the
 * 95% confidence half-width of the headline metric's mean is within {@code targetRelativeCi} of the mean, the
 * point's time budget is spent, or {@code maxTrials} is reached — whichever comes first.
 *
 * @param warmupTrials     trials run and discarded first
 * @param minTrials        trials always measured (at least 2 are needed for a confidence interval)
 * @param maxTrials        trials at most
 * @param budgetSeconds    wall time per point after which no new trial starts (once minTrials are done)
 * @param targetRelativeCi the precision sought: 0.01 stops once the mean is known to ±1% at 95% confidence
 */
public record MeasurementPolicy(int warmupTrials, int minTrials, int maxTrials, double budgetSeconds,
        double targetRelativeCi) {
    public static final double DEFAULT_TARGET = 0.01;

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
        if (!(targetRelativeCi > 0) || !(targetRelativeCi < 1)) {
            throw new IllegalArgumentException("targetRelativeCi must be in (0, 1) (0.01 = 1%), got "
                    + targetRelativeCi);
        }
    }

    /** A policy with the default precision target of 1%. */
    public MeasurementPolicy(int warmupTrials, int minTrials, int maxTrials, double budgetSeconds) {
        this(warmupTrials, minTrials, maxTrials, budgetSeconds, DEFAULT_TARGET);
    }

    /** One warm-up, at least 3 trials, at most 50, 10 seconds per point, ±1%. */
    public static MeasurementPolicy defaults() {
        return new MeasurementPolicy(1, 3, 50, 10.0, DEFAULT_TARGET);
    }

    /**
     * Whether another trial should start.
     *
     * @param headline the headline metric of every trial so far (one value per trial)
     * @param elapsedSeconds time spent on this point's measured trials so far
     */
    public boolean wantsAnother(double[] headline, double elapsedSeconds) {
        int done = headline.length;
        if (done < minTrials) {
            return true;
        }
        if (done >= maxTrials || elapsedSeconds >= budgetSeconds) {
            return false;
        }
        return !precise(headline);
    }

    /** Whether these samples pin the mean down to the target (needs at least two). */
    public boolean precise(double[] headline) {
        if (headline.length < 2) {
            return false;
        }
        double rel = Summary.of(headline).relativeCiHalfWidth();
        return rel <= targetRelativeCi;
    }
}
