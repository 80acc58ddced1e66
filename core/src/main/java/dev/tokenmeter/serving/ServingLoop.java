package dev.tokenmeter.serving;

import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives an engine through a serving workload with a {@link ContinuousBatcher}: requests join at step boundaries
 * once their scheduled arrival has passed, and the run ends when all are done (or at a time limit, leaving the
 * rest unfinished). Prompts are the synthetic prompts of DESIGN (request id = arrival id). Latencies count from
 * each request's scheduled arrival, so time spent queueing, before the engine saw a request, counts in its TTFT.
 */
public final class ServingLoop {
    /** Time as the run sees it, in nanoseconds since its start. */
    public interface Clock {
        long nanos();

        /** Waits until {@code nanos} (returns at once if it has passed). */
        void sleepUntil(long nanos);

        /** Called after each engine step: a scripted clock advances here; a real one does nothing. */
        default void afterStep(StepBatch batch, StepResult result) {
        }
    }

    /** The host's monotonic clock, started when created. */
    public static Clock systemClock() {
        long start = System.nanoTime();
        return new Clock() {
            @Override
            public long nanos() {
                return System.nanoTime() - start;
            }

            @Override
            public void sleepUntil(long nanos) {
                long left;
                while ((left = nanos - nanos()) > 0) {
                    LockSupport.parkNanos(Math.min(left, 1_000_000L));
                }
            }
        };
    }

    /** A clock that moves only when told: each step costs a fixed time plus a time per token fed. For tests. */
    public static final class ScriptedClock implements Clock {
        private final long perStep;
        private final long perToken;
        private long now;

        public ScriptedClock(long nanosPerStep, long nanosPerToken) {
            this.perStep = nanosPerStep;
            this.perToken = nanosPerToken;
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
            now += perStep + perToken * batch.tokenCount();
        }
    }

    /**
     * What a run produced.
     *
     * @param finished     the requests that completed, in completion order
     * @param unfinished   those the run ended before completing (some never arrived or were never admitted)
     * @param steps        engine steps taken
     * @param preemptions  times a request was evicted and later recomputed
     * @param endNanos     the clock when the run ended
     * @param peakInFlight the most requests that had arrived and not yet completed at one time
     */
    public record Outcome(List<RequestRecord> finished, List<RequestRecord> unfinished, long steps, long preemptions,
            long endNanos, int peakInFlight) {
        public Outcome {
            finished = List.copyOf(finished);
            unfinished = List.copyOf(unfinished);
        }
    }

    /** Called after each step with the run's state; may be a no-op. */
    public interface StepListener {
        void afterStep(long steps, int finished, int total, long nowNanos);
    }

    private ServingLoop() {
    }

    /**
     * Open loop: each request arrives at its scheduled time whatever the engine is doing.
     *
     * @param arrivals  the workload, in arrival order
     * @param seed      prompt seed
     * @param maxNanos  time after which no new step starts (Long.MAX_VALUE: none)
     */
    public static Outcome openLoop(Engine engine, List<Arrival> arrivals, ContinuousBatcher.Config config,
            SchedulingPolicy policy, Clock clock, long seed, long maxNanos, StepListener listener) {
        Objects.requireNonNull(arrivals, "arrivals");
        for (int i = 1; i < arrivals.size(); i++) {
            if (arrivals.get(i).atSeconds() < arrivals.get(i - 1).atSeconds()) {
                throw new IllegalArgumentException("arrivals must be in time order: " + arrivals.get(i) + " after "
                        + arrivals.get(i - 1));
            }
        }
        ContinuousBatcher batcher = new ContinuousBatcher(config, policy);
        int vocab = engine.model().vocab();
        int next = 0;
        long steps = 0;
        int peak = 0;
        int total = arrivals.size();
        while (next < total || !batcher.idle()) {
            long now = clock.nanos();
            if (now >= maxNanos) {
                break;
            }
            while (next < total && at(arrivals.get(next)) <= now) {
                Arrival a = arrivals.get(next++);
                batcher.arrive(a, at(a), SyntheticPrompts.prompt(seed, a.id(), a.promptLength(), vocab));
            }
            peak = Math.max(peak, next - batcher.finished().size());
            if (!step(engine, batcher, clock)) {
                if (next >= total) {
                    throw new IllegalStateException("the scheduler has requests but cannot run a step");
                }
                clock.sleepUntil(Math.min(at(arrivals.get(next)), maxNanos));
                continue;
            }
            steps++;
            if (listener != null) {
                listener.afterStep(steps, batcher.finished().size(), total, clock.nanos());
            }
        }
        return new Outcome(batcher.finished(), unfinished(batcher, arrivals, next), steps, batcher.preemptions(),
                clock.nanos(), peak);
    }

    /**
     * Requests that take a continuous batcher, run as a closed loop of {@code sequences} requests at once, through
     * every decode batch size from {@code sequences} down to 1: one-token prompts (all admitted in the first step
     * when the step budget holds {@code sequences} tokens), then request i decodes {@code i + 1} tokens, so one
     * request finishes per step and the batch shrinks by one. A warm-up for engines that prepare work per batch
     * size (the CUDA engine captures a graph for each decode batch size the first time it sees it). Where
     * {@code maxContext} is too short for the longest, outputs are capped at {@code maxContext − 1} and the
     * smallest batch sizes are skipped.
     */
    public static List<Arrival> batchSizeRamp(int sequences, int maxContext) {
        if (sequences < 1 || maxContext < 2) {
            throw new IllegalArgumentException("a ramp needs >= 1 sequence and a context of >= 2 positions, got "
                    + sequences + " and " + maxContext);
        }
        List<Arrival> ramp = new ArrayList<>(sequences);
        for (int i = 0; i < sequences; i++) {
            ramp.add(new Arrival(i, 0, 1, Math.min(i + 2, maxContext - 1)));
        }
        return ramp;
    }

    /**
     * Closed loop: {@code concurrency} requests at first; each completion issues the next request at once (its clock
     * starts then: the arrivals' scheduled times are ignored).
     */
    public static Outcome closedLoop(Engine engine, List<Arrival> requests, int concurrency,
            ContinuousBatcher.Config config, SchedulingPolicy policy, Clock clock, long seed, long maxNanos,
            StepListener listener) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("--concurrency must be >= 1, got " + concurrency);
        }
        ContinuousBatcher batcher = new ContinuousBatcher(config, policy);
        int vocab = engine.model().vocab();
        int next = 0;
        long steps = 0;
        int peak = 0;
        int total = requests.size();
        while (next < total || !batcher.idle()) {
            long now = clock.nanos();
            if (now >= maxNanos) {
                break;
            }
            while (next < total && next - batcher.finished().size() < concurrency) {
                Arrival a = requests.get(next++);
                Arrival issued = new Arrival(a.id(), now / 1e9, a.promptLength(), a.outputLength());
                batcher.arrive(issued, now, SyntheticPrompts.prompt(seed, a.id(), a.promptLength(), vocab));
            }
            peak = Math.max(peak, next - batcher.finished().size());
            if (!step(engine, batcher, clock)) {
                throw new IllegalStateException("the scheduler has requests but cannot run a step");
            }
            steps++;
            if (listener != null) {
                listener.afterStep(steps, batcher.finished().size(), total, clock.nanos());
            }
        }
        return new Outcome(batcher.finished(), unfinished(batcher, requests, next), steps, batcher.preemptions(),
                clock.nanos(), peak);
    }

    /** Runs the scheduler's next step, if it has one, and hands its tokens back at the clock's time. */
    private static boolean step(Engine engine, ContinuousBatcher batcher, Clock clock) {
        StepBatch step = batcher.nextStep(clock.nanos());
        if (step == null) {
            return false;
        }
        StepResult r = engine.step(step);
        clock.afterStep(step, r);
        batcher.complete(r, clock.nanos());
        return true;
    }

    private static List<RequestRecord> unfinished(ContinuousBatcher batcher, List<Arrival> all, int issued) {
        List<RequestRecord> out = new ArrayList<>(batcher.unfinished());
        for (int i = issued; i < all.size(); i++) {
            Arrival a = all.get(i);
            out.add(new RequestRecord(a, at(a), new long[0], 0));
        }
        return out;
    }

    private static long at(Arrival a) {
        return Math.round(a.atSeconds() * 1e9);
    }
}
