package dev.tokenmeter.measure;

import dev.tokenmeter.InvalidFieldException;
import java.util.Optional;

/**
 * How many times a point is measured (nvbench's "stdrel" rule is the model). Warm-up trials run first and are discarded
 * (JIT, allocation, graph capture): at least {@code warmupTrials} of them, and more until {@code warmupSeconds} have
 * passed, since the JIT needs thousands of calls before its code is final and a small model's trial takes milliseconds;
 * {@code warmupTrials} of 0 turns warm-up off. Then at least {@code minTrials} trials run; more follow until the 95%
 * confidence half-width of the headline metric's mean is within {@code targetRelativeCi} of the mean, the point's time
 * budget is spent, or {@code maxTrials} is reached — whichever comes first.
 *
 * @param warmupTrials     trials run and discarded first
 * @param minTrials        trials always measured (at least 2 are needed for a confidence interval)
 * @param maxTrials        trials at most
 * @param budgetSeconds    wall time per point after which no new trial starts (once minTrials are done)
 * @param targetRelativeCi the precision sought: 0.01 stops once the mean is known to ±1% at 95% confidence
 * @param warmupSeconds    wall time warm-up continues for, once its trials are done (0 for none)
 */
public record MeasurementPolicy(int warmupTrials, int minTrials, int maxTrials, double budgetSeconds,
        double targetRelativeCi, double warmupSeconds) {
    public static final double DEFAULT_TARGET = 0.01;
    public static final double DEFAULT_WARMUP_SECONDS = 2.0;
    /** A bound on time-based warm-up, whatever the clock says. */
    public static final int MAX_WARMUP_TRIALS = 10_000;

    public MeasurementPolicy {
        InvalidFieldException.atLeastZero("warmupTrials", warmupTrials, "no warm-up");
        InvalidFieldException.positive("minTrials", minTrials);
        if (maxTrials < minTrials) {
            throw new InvalidFieldException("maxTrials", "must be >= minTrials (" + minTrials + "), got " + maxTrials);
        }
        if (!(budgetSeconds >= 0) || !Double.isFinite(budgetSeconds)) {
            throw new InvalidFieldException("budgetSeconds", "must be a finite number of seconds >= 0, got "
                    + budgetSeconds);
        }
        if (!(targetRelativeCi > 0) || !(targetRelativeCi < 1)) {
            throw new InvalidFieldException("targetRelativeCi", "must be in (0, 1) (0.01 = 1%), got "
                    + targetRelativeCi);
        }
        if (!(warmupSeconds >= 0) || !Double.isFinite(warmupSeconds)) {
            throw new InvalidFieldException("warmupSeconds", "must be a finite number of seconds >= 0, got "
                    + warmupSeconds);
        }
    }

    /** A policy whose warm-up is counted in trials only. */
    public MeasurementPolicy(int warmupTrials, int minTrials, int maxTrials, double budgetSeconds,
            double targetRelativeCi) {
        this(warmupTrials, minTrials, maxTrials, budgetSeconds, targetRelativeCi, 0.0);
    }

    /** A policy with the default precision target of 1% and a warm-up counted in trials only. */
    public MeasurementPolicy(int warmupTrials, int minTrials, int maxTrials, double budgetSeconds) {
        this(warmupTrials, minTrials, maxTrials, budgetSeconds, DEFAULT_TARGET);
    }

    /** Warm-up of at least one trial and 2 seconds, at least 3 trials, at most 50, 10 seconds per point, ±1%. */
    public static MeasurementPolicy defaults() {
        return new MeasurementPolicy(1, 3, 50, 10.0, DEFAULT_TARGET, DEFAULT_WARMUP_SECONDS);
    }

    /** Whether another warm-up trial should run, given those done and the seconds they took. */
    public boolean wantsMoreWarmup(int done, double elapsedSeconds) {
        if (warmupTrials == 0 || done >= MAX_WARMUP_TRIALS) {
            return false;
        }
        return done < warmupTrials || elapsedSeconds < warmupSeconds;
    }

    /**
     * Whether another trial should start.
     *
     * @param headline the headline metric of every trial so far (one value per trial)
     * @param elapsedSeconds time spent on this point's measured trials so far
     */
    public boolean wantsAnother(double[] headline, double elapsedSeconds) {
        return stopReason(headline, elapsedSeconds).isEmpty();
    }

    /**
     * Why trials should stop now, or empty while another should start. Fewer than {@code minTrials} never stop.
     * When several reasons hold at once, precision wins (a point that reached its target says so), then the
     * maximum count, then the budget.
     *
     * @param headline the headline metric of every trial so far (one value per trial)
     * @param elapsedSeconds time spent on this point's measured trials so far
     */
    public Optional<StopReason> stopReason(double[] headline, double elapsedSeconds) {
        int done = headline.length;
        if (done < minTrials) {
            return Optional.empty();
        }
        if (precise(headline)) {
            return Optional.of(StopReason.PRECISION);
        }
        if (done >= maxTrials) {
            return Optional.of(StopReason.MAX_TRIALS);
        }
        if (elapsedSeconds >= budgetSeconds) {
            return Optional.of(StopReason.BUDGET);
        }
        return Optional.empty();
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
