package dev.tokenmeter.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The trial loop on synthetic sample streams with a fake clock: each trial advances the clock by a set time and
 * returns the stream's next value, so budgets of seconds run in microseconds.
 */
class TrialLoopTest {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** A clock that moves only when told to. */
    private static final class FakeClock implements LongSupplier {
        long now;

        FakeClock(long start) {
            now = start;
        }

        @Override
        public long getAsLong() {
            return now;
        }
    }

    /** A trial that takes {@code seconds} on the clock and yields the stream's next value; counts its calls. */
    private static final class SyntheticTrial implements DoubleSupplier {
        final FakeClock clock;
        final double seconds;
        final DoubleSupplier stream;
        int calls;

        SyntheticTrial(FakeClock clock, double seconds, DoubleSupplier stream) {
            this.clock = clock;
            this.seconds = seconds;
            this.stream = stream;
        }

        @Override
        public double getAsDouble() {
            calls++;
            clock.now += Math.round(seconds * NANOS_PER_SECOND);
            return stream.getAsDouble();
        }
    }

    private static TrialLoop.Outcome run(MeasurementPolicy policy, double secondsPerTrial, DoubleSupplier stream) {
        FakeClock clock = new FakeClock(0);
        SyntheticTrial trial = new SyntheticTrial(clock, secondsPerTrial, stream);
        TrialLoop.Outcome out = new TrialLoop(policy, clock).run("output tok/s", trial);
        assertEquals(trial.calls, out.trials(), "one headline value per trial run");
        return out;
    }

    /** Values a factor of 100 apart, alternately: no interval of a handful of them is within any target. */
    private static DoubleSupplier wild() {
        int[] i = {0};
        return () -> i[0]++ % 2 == 0 ? 1.0 : 100.0;
    }

    /** 1000 with uniform noise of ±{@code fraction}, from a visible seed. */
    private static DoubleSupplier noisy(long seed, double fraction) {
        SplittableRandom rng = new SplittableRandom(seed);
        return () -> 1000 * (1 + fraction * (2 * rng.nextDouble() - 1));
    }

    private static void assertStopped(TrialLoop.Outcome out, StopReason reason, boolean reached) {
        assertEquals(reason, out.stoppedBy());
        assertEquals(reason.label(), out.precision().stoppedBy());
        assertEquals(reached, out.precision().reached(), "reached, with " + out.precision());
    }

    @Test
    void aConstantStreamStopsAtTheMinimumByPrecision() {
        MeasurementPolicy policy = new MeasurementPolicy(0, 3, 50, 10.0);
        TrialLoop.Outcome out = run(policy, 0.001, () -> 1234.5);
        assertEquals(3, out.trials());
        assertStopped(out, StopReason.PRECISION, true);
        assertArrayEquals(new double[] {1234.5, 1234.5, 1234.5}, out.headline());
        assertEquals(0, out.precision().relativeCiHalfWidth());
        assertEquals(0.01, out.precision().target());
        assertEquals("output tok/s", out.precision().metric());
        assertEquals(0.003, out.elapsedSeconds(), 1e-12);
    }

    @Test
    void tinyNoiseStopsOnceItIsPrecise() {
        long seed = 7;
        // ±0.1% uniform noise has a standard deviation of 0.058%; a ±0.05% target needs roughly 6 to 10 trials.
        MeasurementPolicy policy = new MeasurementPolicy(0, 3, 50, 1e6, 0.0005);
        TrialLoop.Outcome out = run(policy, 0.01, noisy(seed, 0.001));
        assertStopped(out, StopReason.PRECISION, true);
        int n = out.trials();
        assertTrue(n > 3 && n < 50, "seed " + seed + ": " + n + " trials");
        double[] h = out.headline();
        assertTrue(policy.precise(h));
        assertTrue(out.precision().relativeCiHalfWidth() <= 0.0005, out.precision().toString());
        assertEquals(Summary.of(h).relativeCiHalfWidth(), out.precision().relativeCiHalfWidth());
        assertFalse(policy.precise(Arrays.copyOf(h, n - 1)), "it stopped at the first precise count, not later");

        // At the default ±1% the same stream is precise from the start.
        assertEquals(3, run(new MeasurementPolicy(0, 3, 50, 1e6), 0.01, noisy(seed, 0.001)).trials());
    }

    @Test
    void aNoisyStreamKeepsGoingUntilTheBudget() {
        // 1 s per trial, a 10 s budget: the check before trial 11 finds 10 s spent.
        MeasurementPolicy policy = new MeasurementPolicy(0, 3, 50, 10.0);
        TrialLoop.Outcome out = run(policy, 1.0, wild());
        assertEquals(10, out.trials());
        assertStopped(out, StopReason.BUDGET, false);
        assertEquals(10.0, out.elapsedSeconds(), 1e-12);
        assertTrue(out.precision().relativeCiHalfWidth() > 0.01, out.precision().toString());
    }

    @Test
    void theLastTrialMayEndPastTheBudget() {
        // The budget decides whether a trial starts, not when one ends: 3 s trials, 10 s budget, 4 trials, 12 s.
        TrialLoop.Outcome out = run(new MeasurementPolicy(0, 2, 50, 10.0), 3.0, wild());
        assertEquals(4, out.trials());
        assertEquals(12.0, out.elapsedSeconds(), 1e-12);
        assertStopped(out, StopReason.BUDGET, false);
    }

    @Test
    void aNoisyStreamStopsAtTheMaximum() {
        TrialLoop.Outcome out = run(new MeasurementPolicy(0, 3, 25, 1e6), 1.0, wild());
        assertEquals(25, out.trials());
        assertStopped(out, StopReason.MAX_TRIALS, false);
    }

    @Test
    void theMinimumRunsEvenWithAZeroBudget() {
        MeasurementPolicy policy = new MeasurementPolicy(0, 4, 50, 0);
        TrialLoop.Outcome noisy = run(policy, 3600.0, wild());
        assertEquals(4, noisy.trials(), "an hour per trial and no budget: still the minimum");
        assertStopped(noisy, StopReason.BUDGET, false);
        TrialLoop.Outcome steady = run(policy, 3600.0, () -> 5.0);
        assertEquals(4, steady.trials());
        assertStopped(steady, StopReason.PRECISION, true);
    }

    @Test
    void minimumEqualToMaximumRunsExactlyThatMany() {
        MeasurementPolicy policy = new MeasurementPolicy(0, 5, 5, 1e6);
        TrialLoop.Outcome noisy = run(policy, 1.0, wild());
        assertEquals(5, noisy.trials());
        assertStopped(noisy, StopReason.MAX_TRIALS, false);
        TrialLoop.Outcome steady = run(policy, 1.0, () -> 5.0);
        assertEquals(5, steady.trials());
        assertStopped(steady, StopReason.PRECISION, true);
    }

    @Test
    void oneTrialHasNoIntervalAndSaysSo() {
        TrialLoop.Outcome out = run(new MeasurementPolicy(0, 1, 1, 1e6), 1.0, () -> 5.0);
        assertEquals(1, out.trials());
        assertStopped(out, StopReason.MAX_TRIALS, false);
        assertTrue(Double.isNaN(out.precision().relativeCiHalfWidth()));
    }

    @Test
    void theBudgetClockStartsWhenTheLoopDoes() {
        // Whatever the clock read before (warm-up, earlier points), the budget counts from run().
        FakeClock clock = new FakeClock(123 * 3600 * NANOS_PER_SECOND);
        SyntheticTrial trial = new SyntheticTrial(clock, 1.0, wild());
        TrialLoop.Outcome out = new TrialLoop(new MeasurementPolicy(0, 3, 50, 10.0), clock).run("x", trial);
        assertEquals(10, out.trials());
        assertEquals(10.0, out.elapsedSeconds(), 1e-12);
    }

    @Test
    void manyTrialsAreKeptInOrder() {
        // Past the loop's first buffer of 16.
        int[] i = {0};
        TrialLoop.Outcome out = run(new MeasurementPolicy(0, 40, 40, 1e6), 0.1, () -> i[0]++ % 2 == 0 ? 1 : 100 + i[0]);
        double[] h = out.headline();
        assertEquals(40, h.length);
        for (int k = 0; k < 40; k++) {
            assertEquals(k % 2 == 0 ? 1 : 100 + k + 1, h[k], "trial " + k);
        }
        h[0] = -1;
        assertEquals(1, out.headline()[0], "the outcome hands out copies");
    }

    @Test
    void theSystemClockRuns() {
        int[] calls = {0};
        TrialLoop.Outcome out = TrialLoop.withSystemClock(new MeasurementPolicy(0, 2, 2, 0)).run("x", () -> {
            calls[0]++;
            return 1.0;
        });
        assertEquals(2, calls[0]);
        assertEquals(2, out.trials());
        assertTrue(out.elapsedSeconds() >= 0);
    }
}
