package dev.tokenmeter.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.serving.load.ClosedLoop;
import dev.tokenmeter.serving.load.LengthDistribution;
import java.util.List;
import java.util.function.LongToDoubleFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The warm-up on a fake engine whose step time, on a scripted clock, follows a given curve: it stops once the
 * curve levels, not while it falls; it stops at its time limit on a curve that never levels, and says so; and it
 * serves at least its first round.
 */
class WarmUpTest {
    private static final EngineOptions OPTIONS = EngineOptions.paged(1, 8, 64, 16, 64);
    private static final ContinuousBatcher.Config CONFIG = new ContinuousBatcher.Config(256, OPTIONS);
    private static final LengthDistribution PROMPT = LengthDistribution.fixed(8);
    private static final LengthDistribution OUTPUT = LengthDistribution.fixed(16);

    /** A clock on which the k-th step of the run (from 0) takes {@code costMs(k)} milliseconds. */
    private static final class CurveClock implements ServingLoop.Clock {
        private final LongToDoubleFunction costMs;
        private long now;
        private long steps;

        CurveClock(LongToDoubleFunction costMs) {
            this.costMs = costMs;
        }

        @Override
        public long nanos() {
            return now;
        }

        @Override
        public void sleepUntil(long nanos) {
            now = Math.max(now, nanos);
        }

        @Override
        public void afterStep(StepBatch batch, StepResult result) {
            now += Math.round(costMs.applyAsDouble(steps++) * 1e6);
        }

        /** When the step that follows {@code step} steps would start, ms. */
        double msBefore(long step) {
            double t = 0;
            for (long k = 0; k < step; k++) {
                t += costMs.applyAsDouble(k);
            }
            return t;
        }
    }

    /** Closed loops of 8 in flight, {@code roundRequests} a round. */
    private static WarmUp.Report warmUp(CurveClock clock, int roundRequests, double maxSeconds) {
        return WarmUp.run(new ContinuousBatcherTest.FakeEngine(OPTIONS), CONFIG, clock, 7, WarmUp.Round.closed(8,
                s -> new ClosedLoop(8, roundRequests, PROMPT, OUTPUT, s).arrivals()), maxSeconds);
    }

    @Test
    void stopsOnceStepTimeLevelsAndNotWhileItFalls() {
        // 5 ms a step falling linearly to 0.5 ms over 400 steps (1.1 s), then level: what a JIT does to a
        // kernel, compressed. Until the fall ends, the two quarters of the second half differ by far more than
        // 10%; once it has ended long enough ago that the second half is mostly level, they agree.
        LongToDoubleFunction curve = k -> k < 400 ? 5 - 4.5 * k / 400 : 0.5;
        CurveClock clock = new CurveClock(curve);
        WarmUp.Report r = warmUp(clock, 8, 60);
        double levelMs = clock.msBefore(400);
        assertEquals(WarmUp.Status.STEADY, r.status(), r.describe());
        assertTrue(r.steps() > 400, "it stopped while the step time still fell: " + r.describe());
        // Steady once the second half is mostly level: by twice the time at which it levelled, plus a round.
        assertTrue(r.seconds() * 1e3 > levelMs && r.seconds() * 1e3 < 2 * levelMs + 50,
                "levelled at " + levelMs + " ms; " + r.describe());
        assertEquals(0.5, r.lastDecodeMs(), 1e-9);
        assertEquals(0.5, r.lastPromptMs(), 1e-9, "each kind of step is compared on its own");
        assertTrue(WarmUp.steady(r.previousDecodeMs(), r.lastDecodeMs()), r.describe());
        assertEquals(5, r.firstStepsMs(), 0.3, "the median of the first 32 steps, early in the fall");
        assertTrue(r.requests() >= 8 && r.requests() % 8 == 0, "whole rounds of 8: " + r.requests());
        assertTrue(r.describe().startsWith("steady after "), r.describe());
    }

    @Test
    void aPlateauThatHasLastedLessThanWhatCameBeforeIsNotTheEnd() {
        // 8 ms a step falling to 2 ms over 200 steps (1 s), a plateau of 1 ms for 400 steps (0.4 s), then
        // 0.25 ms: two windows inside the plateau agree, and would stop the warm-up at 4x the step time it reaches.
        // The plateau never fills the second half of the warm-up: what came before it lasted longer.
        LongToDoubleFunction curve = k -> k < 200 ? 8 - 6.0 * k / 200 : k < 600 ? 1 : 0.25;
        CurveClock clock = new CurveClock(curve);
        WarmUp.Report r = warmUp(clock, 8, 60);
        assertEquals(WarmUp.Status.STEADY, r.status(), r.describe());
        assertEquals(0.25, r.lastDecodeMs(), 1e-9, r.describe());
        assertTrue(r.steps() > 600, r.describe());
    }

    @Test
    void aCurveThatNeverLevelsStopsAtTheTimeLimitAndSaysSo() {
        // 10 ms / √(1 + k / 10): every stretch of time is 1.4x slower than the next quarter of that length.
        CurveClock clock = new CurveClock(k -> 10 / Math.sqrt(1 + k / 10.0));
        WarmUp.Report r = warmUp(clock, 8, 3);
        assertEquals(WarmUp.Status.TIME_LIMIT, r.status(), r.describe());
        assertTrue(r.seconds() >= 3 && r.seconds() < 3.01, "cut at the limit: " + r.describe());
        assertTrue(r.previousDecodeMs() > (1 + WarmUp.TOLERANCE) * r.lastDecodeMs(), r.describe());
        assertTrue(r.describe().startsWith("not steady after its 3 s limit, 3.0 s ("), r.describe());
        assertTrue(r.describe().endsWith("the first points may be slower than the rest"), r.describe());
    }

    @Test
    void theFirstRoundIsAlwaysServedInFull() {
        // Level from the start, but the first round of 100 requests goes on past the 0.1 s limit to its end.
        CurveClock clock = new CurveClock(k -> 1);
        WarmUp.Report r = warmUp(clock, 100, 0.1);
        assertEquals(100, r.requests());
        assertTrue(r.seconds() > 0.1, r.describe());
        assertEquals(WarmUp.Status.STEADY, r.status(), r.describe());
    }

    @Test
    void noLimitServesTheFirstRoundAloneUnchecked() {
        CurveClock clock = new CurveClock(k -> k < 400 ? 5 : 0.5);
        WarmUp.Report r = warmUp(clock, 8, 0);
        assertEquals(WarmUp.Status.NOT_CHECKED, r.status());
        assertEquals(8, r.requests());
        assertTrue(Double.isNaN(r.lastDecodeMs()));
        assertTrue(r.describe().startsWith("served "), r.describe());
    }

    @Test
    void anOpenLoopRoundKeepsItsRatesBatchesAndSkipsItsIdleTime() {
        // The first point's own arrivals: 8 a round, one every 100 ms, 0.7 s from first to last. Each request
        // takes 16 steps of 1 ms, so the engine serves them one at a time, as the point will; waiting for the next
        // arrival would take 0.7 s a round, and is skipped: a round takes its 128 steps' time.
        ContinuousBatcherTest.FakeEngine engine = new ContinuousBatcherTest.FakeEngine(OPTIONS);
        CurveClock clock = new CurveClock(k -> 1);
        WarmUp.Report r = WarmUp.run(engine, CONFIG, clock, 7, WarmUp.Round.open(s -> IntStream.range(0, 8)
                .mapToObj(i -> new Arrival(i, 0.1 * i, 8, 16)).toList()), 60);
        assertEquals(WarmUp.Status.STEADY, r.status(), r.describe());
        assertEquals(r.steps() * 1e-3, r.seconds(), 1e-9, "no time but the steps': " + r.describe());
        // Level from the first step, yet it goes on for its least time: a warm JVM's milliseconds show nothing.
        assertTrue(r.seconds() >= WarmUp.MIN_SECONDS, r.describe());
        int rounds = r.requests() / 8;
        assertTrue(rounds >= 1 && r.seconds() < rounds * 0.7 / 4, r.describe());
        assertTrue(engine.steps.stream().allMatch(b -> b.size() == 1), "one request at a time, as at 10 req/s");
        assertTrue(Double.isNaN(r.previousPromptMs()) || r.previousPromptMs() == 1, r.describe());
    }

    @Test
    void badArgumentsAreRefused() {
        CurveClock clock = new CurveClock(k -> 1);
        assertThrows(IllegalArgumentException.class, () -> warmUp(clock, 8, -1));
        assertThrows(IllegalArgumentException.class, () -> warmUp(clock, 8, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> WarmUp.Round.closed(0, s -> List.of()));
        assertThrows(IllegalArgumentException.class, () -> new WarmUp.Round(s -> List.of(), -1));
    }
}
