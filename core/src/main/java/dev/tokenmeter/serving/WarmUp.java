package dev.tokenmeter.serving;

import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongFunction;

/**
 * Serves requests through an engine, before anything is measured, until its step time is steady: a JIT compiles
 * the engine's kernels in tiers over the first seconds, so that a fixed count of warm-up requests leaves the first
 * point to pay for the rest (on a 2-core host, the tiny model's first of three identical points had a TPOT p50 two
 * to twenty times the others').
 *
 * <p>The warm-up serves rounds of requests of the workload's own shape ({@link Round}: the first point's arrivals
 * at its rate, or its closed loop, so that the kernels meet the batch sizes the point will give them: the CPU
 * engine runs one or two sequences on other code than eight),
 * and times every engine step (from the end of one to the end of the next, as the serving loop sees it), apart by
 * kind: decode steps (one token for every sequence: what TPOT is made of) and prompt steps (a prompt chunk in
 * them: what TTFT waits on), whose times differ by orders of magnitude. After each round it looks at the second
 * half of its time so far, in three windows: the third quarter, then the two halves of the last quarter. It is
 * <b>steady</b> when each window holds at least {@value #MIN_WINDOW_STEPS} steps and, for each kind with at least
 * {@value #MIN_KIND_STEPS} steps in every window, the windows' median step times are within {@value #TOLERANCE}
 * of each other (the largest of the smallest), and it has lasted at least {@value #MIN_SECONDS} s (or its whole
 * time limit, where shorter).
 *
 * <p>Why so: windows that are fractions of the whole warm-up, not of a fixed length, keep a plateau from passing
 * for the end unless it has lasted about as long as all that came before it (step time falls through plateaus as
 * the compiler finishes one tier after another: on the CPU, about 0.7 ms a step for a second, then 0.25 ms); the
 * last window, an eighth of the time, sees a fall as soon as the fast steps are most of it; and medians by count
 * ignore the host's own pauses, which would outweigh steps of tens of microseconds if weighted by time. The first
 * round always runs in full: it holds {@code --warmup-requests}, the least warm-up there is.
 *
 * <p>A warm-up that is not steady after {@code maxSeconds} stops there (a round under way is cut short), and its
 * report says so; {@code maxSeconds} 0 serves the first round alone, without looking at step times (the fixed
 * warm-up of results written before this one existed).
 */
public final class WarmUp {
    /** Steps each window compared must hold, so that its medians are not a handful of steps. */
    public static final int MIN_WINDOW_STEPS = 16;
    /** Steps of a kind each window must hold for that kind to be compared. */
    public static final int MIN_KIND_STEPS = 8;
    /**
     * The least time a warm-up that looks at step times lasts, seconds: the compiler works in wall time, on its
     * own threads, and a second half of a few milliseconds (a JVM already warm from other work) shows nothing of
     * what it has still to do.
     */
    public static final double MIN_SECONDS = 1.0;
    /** How far apart the windows' median step times may be, relative to the smallest: 10%. */
    public static final double TOLERANCE = 0.10;

    /** How a warm-up ended. */
    public enum Status {
        /** The windows of the second half agreed. */
        STEADY,
        /** The time limit came first: the points may start while the engine still speeds up. */
        TIME_LIMIT,
        /** No limit was given: the first round alone, step time not looked at. */
        NOT_CHECKED
    }

    /**
     * How a warm-up went.
     *
     * @param status           how it ended
     * @param requests         requests served (completed) in all
     * @param steps            engine steps taken
     * @param seconds          how long it took
     * @param firstStepsMs     median of its first {@value WarmUp#MIN_WINDOW_STEPS} steps (or all, where fewer), ms: how
     *                         slow the engine was cold
     * @param previousDecodeMs median of the decode steps of the third quarter of its time, ms; NaN where it held
     *                         none (or when not checked)
     * @param lastDecodeMs     that of the last eighth, ms; NaN likewise
     * @param previousPromptMs median of the prompt steps of the third quarter, ms; NaN likewise
     * @param lastPromptMs     that of the last eighth, ms; NaN likewise
     * @param maxSeconds       the time limit it ran under; 0 for none (not checked)
     */
    public record Report(Status status, int requests, long steps, double seconds, double firstStepsMs,
            double previousDecodeMs, double lastDecodeMs, double previousPromptMs, double lastPromptMs,
            double maxSeconds) {
        public Report {
            Objects.requireNonNull(status, "status");
        }

        /**
         * One line for a report: "steady after 2.1 s (40 requests, 812 steps): 310 ms a step at first; decode
         * steps 0.201 then 0.198 ms, prompt steps 5.12 then 5.01 ms (third quarter, last eighth)".
         */
        public String describe() {
            String served = String.format(Locale.ROOT, "%.1f s (%d requests, %d steps)", seconds, requests, steps);
            String fall = String.format(Locale.ROOT, "%s ms a step at first; decode steps %s then %s ms, prompt"
                    + " steps %s then %s ms (third quarter, last eighth)", ms(firstStepsMs), ms(previousDecodeMs),
                    ms(lastDecodeMs), ms(previousPromptMs), ms(lastPromptMs));
            return switch (status) {
                case STEADY -> "steady after " + served + ": " + fall;
                case TIME_LIMIT -> String.format(Locale.ROOT, "not steady after its %.0f s limit, %s: %s; the first"
                        + " points may be slower than the rest", maxSeconds, served, fall);
                case NOT_CHECKED -> "served " + served + ", step time not checked";
            };
        }

        private static String ms(double v) {
            return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : "-";
        }
    }

    /**
     * One round of warm-up requests, in the workload's own shape, drawn anew for each round from its seed.
     *
     * @param arrivals    the round's requests for a seed, in arrival order
     * @param concurrency requests kept in flight by a closed loop; 0 for an open loop, whose requests arrive at
     *                    their times after the round starts
     */
    public record Round(LongFunction<List<Arrival>> arrivals, int concurrency) {
        public Round {
            Objects.requireNonNull(arrivals, "arrivals");
            if (concurrency < 0) {
                throw new IllegalArgumentException("concurrency must be >= 0 (0: an open loop), got " + concurrency);
            }
        }

        /** An open loop: each request arrives at its time after the round starts, whatever the engine does. */
        public static Round open(LongFunction<List<Arrival>> arrivals) {
            return new Round(arrivals, 0);
        }

        /** A closed loop of {@code concurrency} requests in flight. */
        public static Round closed(int concurrency, LongFunction<List<Arrival>> arrivals) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("a closed loop needs >= 1 request in flight, got " + concurrency);
            }
            return new Round(arrivals, concurrency);
        }
    }

    private final Engine engine;
    private final ContinuousBatcher.Config config;
    private final ServingLoop.Clock clock;
    private long[] ends = new long[1024];
    private long[] durations = new long[1024];
    private boolean[] decode = new boolean[1024];
    private int count;
    private long previous;
    /** Whether the step the serving loop just ran fed one token to every sequence. */
    private boolean lastWasDecode;

    private WarmUp(Engine engine, ContinuousBatcher.Config config, ServingLoop.Clock clock) {
        this.engine = engine;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Warms {@code engine} up with rounds of {@code round}, the first drawn with {@code seed} and each next one
     * with the next seed.
     *
     * @param maxSeconds how long it may go on after the first round, on {@code clock}; 0 for the first round alone
     */
    public static Report run(Engine engine, ContinuousBatcher.Config config, ServingLoop.Clock clock, long seed,
            Round round, double maxSeconds) {
        Objects.requireNonNull(round, "round");
        if (!(maxSeconds >= 0)) {
            throw new IllegalArgumentException("maxSeconds must be >= 0 (0: the first round alone), got "
                    + maxSeconds);
        }
        return new WarmUp(engine, config, clock).serve(seed, round, maxSeconds);
    }

    private Report serve(long seed, Round round, double maxSeconds) {
        long start = clock.nanos();
        long deadline = maxSeconds == 0 ? Long.MAX_VALUE
                : start + (long) Math.min(Long.MAX_VALUE / 4.0, maxSeconds * 1e9);
        // The loops' clock: it notes the kind of each step before the step listener hears of it, and skips the
        // time an open loop would wait idle for its next arrival (nothing runs then, so the batches are those of
        // the rate; the round just takes no longer than its work).
        long[] skipped = {0};
        ServingLoop.Clock kinds = new ServingLoop.Clock() {
            @Override
            public long nanos() {
                return clock.nanos() + skipped[0];
            }

            @Override
            public void sleepUntil(long nanos) {
                skipped[0] += Math.max(0, nanos - nanos());
            }

            @Override
            public void afterStep(StepBatch batch, StepResult result) {
                clock.afterStep(batch, result);
                lastWasDecode = batch.tokenCount() == batch.size();
            }
        };
        int served = 0;
        int checkedAt = 0;
        for (int r = 0; ; r++) {
            List<Arrival> arrivals = round.arrivals().apply(seed + r);
            long maxNanos = r == 0 ? Long.MAX_VALUE : deadline + skipped[0];
            // A round's first step is timed from its start: drawing the round and looking at the steps are not
            // the engine's time.
            previous = clock.nanos();
            ServingLoop.Outcome o;
            if (round.concurrency() > 0) {
                o = ServingLoop.closedLoop(engine, arrivals, round.concurrency(), config,
                        SchedulingPolicy.FIRST_COME_FIRST_SERVED, kinds, seed + r, maxNanos, this::afterStep);
            } else {
                // The round's times start now, on the loops' clock.
                double now = kinds.nanos() / 1e9;
                List<Arrival> shifted = arrivals.stream().map(a -> new Arrival(a.id(), now + a.atSeconds(),
                        a.promptLength(), a.outputLength())).toList();
                o = ServingLoop.openLoop(engine, shifted, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED, kinds,
                        seed + r, maxNanos, this::afterStep);
            }
            served += o.finished().size();
            long now = clock.nanos();
            if (maxSeconds == 0) {
                return report(Status.NOT_CHECKED, served, start, now, maxSeconds, null);
            }
            // Looked at once the steps have grown by a twentieth (and 16) since last time, so that a warm-up of
            // many short rounds does not spend its time sorting its own steps.
            boolean look = count >= checkedAt + Math.max(MIN_WINDOW_STEPS, checkedAt / 20);
            Windows q = look || now >= deadline ? windows(start, now) : null;
            if (look) {
                checkedAt = count;
                if (now - start >= Math.min(MIN_SECONDS, maxSeconds) * 1e9 && q.steady()) {
                    return report(Status.STEADY, served, start, now, maxSeconds, q);
                }
            }
            if (now >= deadline) {
                return report(Status.TIME_LIMIT, served, start, now, maxSeconds, q);
            }
        }
    }

    /** Whether two median step times agree within {@link #TOLERANCE} of the smaller. */
    static boolean steady(double a, double b) {
        return Math.abs(a - b) <= TOLERANCE * Math.min(a, b);
    }

    /** After each step: its end on the warm-up's own clock (idle time not skipped), its time, its kind. */
    private void afterStep(long steps, int finished, int total, long loopNanos) {
        long now = clock.nanos();
        if (count == ends.length) {
            ends = Arrays.copyOf(ends, 2 * count);
            durations = Arrays.copyOf(durations, 2 * count);
            decode = Arrays.copyOf(decode, 2 * count);
        }
        // The first step is timed from the warm-up's start; later ones from the step before, across rounds.
        ends[count] = now;
        durations[count] = now - previous;
        decode[count] = lastWasDecode;
        count++;
        previous = now;
    }

    /**
     * The windows of the second half of the warm-up's time (the third quarter, then the two halves of the last):
     * each one's steps in all, and each kind's count and median, in window order.
     */
    private record Windows(int[] steps, int[] decodeSteps, double[] decodeMs, int[] promptSteps,
            double[] promptMs) {
        /** Enough steps in each, and every kind with enough of them in all agreeing; at least one compared. */
        boolean steady() {
            if (Arrays.stream(steps).min().orElse(0) < MIN_WINDOW_STEPS) {
                return false;
            }
            boolean decodes = Arrays.stream(decodeSteps).min().orElse(0) >= MIN_KIND_STEPS;
            boolean prompts = Arrays.stream(promptSteps).min().orElse(0) >= MIN_KIND_STEPS;
            return (decodes || prompts) && (!decodes || agree(decodeMs)) && (!prompts || agree(promptMs));
        }

        private static boolean agree(double[] ms) {
            return WarmUp.steady(Arrays.stream(ms).min().orElseThrow(), Arrays.stream(ms).max().orElseThrow());
        }
    }

    /** The windows of the second half of {@code [start, now]}, by when each step ended. */
    private Windows windows(long start, long now) {
        long span = now - start;
        long[] bounds = {start + span / 2, start + 3 * (span / 4), start + 7 * (span / 8), now};
        int n = bounds.length - 1;
        int[] steps = new int[n];
        int[] decodeSteps = new int[n];
        int[] promptSteps = new int[n];
        double[] decodeMs = new double[n];
        double[] promptMs = new double[n];
        for (int w = 0; w < n; w++) {
            int lo = first(bounds[w]);
            int hi = first(bounds[w + 1]);
            steps[w] = hi - lo;
            long[] decodes = kind(lo, hi, true);
            long[] prompts = kind(lo, hi, false);
            decodeSteps[w] = decodes.length;
            promptSteps[w] = prompts.length;
            decodeMs[w] = medianMs(decodes);
            promptMs[w] = medianMs(prompts);
        }
        return new Windows(steps, decodeSteps, decodeMs, promptSteps, promptMs);
    }

    /** The index of the first step that ended after {@code time} (steps end in order). */
    private int first(long time) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] <= time) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The durations of steps {@code lo} to {@code hi} − 1 of one kind. */
    private long[] kind(int lo, int hi, boolean decodes) {
        long[] out = new long[hi - lo];
        int n = 0;
        for (int i = lo; i < hi; i++) {
            if (decode[i] == decodes) {
                out[n++] = durations[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * The median of step durations, ms (type 7: the mean of the middle two); NaN for none. By count, not weighted by
     * time: a step of a tiny model takes tens of microseconds, and the host's own pauses (another process, a
     * collection) of a millisecond or more would otherwise make up the median.
     */
    static double medianMs(long[] durations) {
        if (durations.length == 0) {
            return Double.NaN;
        }
        long[] d = durations.clone();
        Arrays.sort(d);
        int m = d.length / 2;
        return (d.length % 2 == 1 ? d[m] : (d[m - 1] + d[m]) / 2.0) / 1e6;
    }

    private Report report(Status status, int served, long start, long now, double maxSeconds, Windows w) {
        double first = medianMs(Arrays.copyOf(durations, Math.min(count, MIN_WINDOW_STEPS)));
        int last = w == null ? 0 : w.decodeMs().length - 1;
        return new Report(status, served, count, (now - start) / 1e9, first,
                w == null ? Double.NaN : w.decodeMs()[0], w == null ? Double.NaN : w.decodeMs()[last],
                w == null ? Double.NaN : w.promptMs()[0], w == null ? Double.NaN : w.promptMs()[last], maxSeconds);
    }
}
