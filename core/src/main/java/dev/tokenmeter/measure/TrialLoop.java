package dev.tokenmeter.measure;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Runs one point's measured trials under a {@link MeasurementPolicy}: at least {@code minTrials}, then more until
 * the headline metric is precise enough, the budget is spent or {@code maxTrials} is reached. The budget is
 * checked before each trial starts, so the last trial may end past it. Warm-up is the caller's: it runs before
 * {@link #run} and its time is not in the budget.
 *
 * <p>The clock is injected so that the rule can be tested on synthetic sample streams without waiting.
 */
public final class TrialLoop {
    private final MeasurementPolicy policy;
    private final LongSupplier nanoClock;

    /**
     * @param policy    the stopping rule
     * @param nanoClock a monotonic clock in nanoseconds, such as {@code System::nanoTime}
     */
    public TrialLoop(MeasurementPolicy policy, LongSupplier nanoClock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /** A loop timed by {@link System#nanoTime()}. */
    public static TrialLoop withSystemClock(MeasurementPolicy policy) {
        return new TrialLoop(policy, System::nanoTime);
    }

    /**
     * Runs trials until the policy stops them.
     *
     * @param metric the headline metric's name, for the precision record ("output tok/s")
     * @param trial  runs one measured trial and returns its headline value
     */
    public Outcome run(String metric, DoubleSupplier trial) {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(trial, "trial");
        double[] buffer = new double[16];
        int done = 0;
        long start = nanoClock.getAsLong();
        while (true) {
            double[] headline = Arrays.copyOf(buffer, done);
            double elapsedSeconds = (nanoClock.getAsLong() - start) / 1e9;
            Optional<StopReason> stop = policy.stopReason(headline, elapsedSeconds);
            if (stop.isPresent()) {
                return new Outcome(headline, elapsedSeconds, stop.get(), precision(metric, headline, stop.get()));
            }
            if (done == buffer.length) {
                buffer = Arrays.copyOf(buffer, 2 * done);
            }
            buffer[done++] = trial.getAsDouble();
        }
    }

    private Precision precision(String metric, double[] headline, StopReason stop) {
        // The policy stops for precision exactly when these samples are precise, so "reached" follows the reason.
        double rel = Summary.of(headline).relativeCiHalfWidth();
        return new Precision(metric, rel, policy.targetRelativeCi(), stop == StopReason.PRECISION, stop.label());
    }

    /**
     * What a point's measured trials gave.
     *
     * @param headline       the headline value of each measured trial, in order (warm-up excluded)
     * @param elapsedSeconds time from the first measured trial's start to the stopping decision
     * @param stoppedBy      why the trials stopped
     * @param precision      how precisely the headline's mean is known and whether that met the target
     */
    public record Outcome(double[] headline, double elapsedSeconds, StopReason stoppedBy, Precision precision) {
        public Outcome {
            headline = headline.clone();
        }

        /** A copy: the outcome stays as measured. */
        @Override
        public double[] headline() {
            return headline.clone();
        }

        /** The number of measured trials. */
        public int trials() {
            return headline.length;
        }
    }
}
