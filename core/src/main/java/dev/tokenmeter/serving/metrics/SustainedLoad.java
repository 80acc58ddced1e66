package dev.tokenmeter.serving.metrics;

import dev.tokenmeter.serving.RequestRecord;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether an open-loop run's engine kept up with the load offered to it. If it did not, its queue grew for the
 * whole run, and its latencies describe how long this particular run was, not a steady state at that rate.
 *
 * <p>The load counts as {@link Status#OVERLOADED} when any rule fires (all are deliberately coarse: they catch a
 * queue that keeps growing, not a slight excess; and each needs the queue to have grown by more than
 * {@value #STALL_MS} ms, so that one pause of the host, a garbage collection, a compilation or another process
 * taking the CPU, is not mistaken for an overload):
 * <ol>
 *   <li><b>Completions fell behind arrivals.</b> With arrivals and completion times each sorted, the middle half
 *       of the completions (from the ⌊n/4⌋-th to the ⌊3n/4⌋-th) took longer than the middle half of the
 *       arrivals by more than 1 / {@value #MIN_COMPLETION_RATIO}, i.e. the completion rate was below
 *       {@value #MIN_COMPLETION_RATIO} × the arrival rate, and by more than {@value #STALL_MS} ms. The middle
 *       half is used because the first completions lag the first arrivals by one latency and the last ones drain
 *       after arrivals stop; whole-run rates would call a short healthy run overloaded. When fewer than
 *       ⌊3n/4⌋ + 1 requests completed this rule is not applied (rule 2 still is).</li>
 *   <li><b>Queueing grew.</b> The median TTFT of the last quarter of arrivals is more than
 *       {@value #TTFT_GROWTH_RATIO}× that of the first quarter <em>and</em> more than {@value #STALL_MS} ms
 *       above it (so that a 2 ms → 5 ms drift on a tiny model is not a verdict). A request that got no first token
 *       before the run ended counts as an infinite TTFT: it waited longer than any measured one.</li>
 *   <li><b>The run was mostly drain.</b> Three quarters of the requests had completed only after more than twice
 *       the time over which all of them arrived (and more than {@value #STALL_MS} ms after the last arrival), or
 *       fewer than three quarters completed at all. This catches what rules 1 and 2 miss when the engine admits
 *       every request at once and serves them in one slow batch: completions then cluster and the first and last
 *       TTFTs look alike, yet the engine served far fewer requests per second than arrived.</li>
 * </ol>
 * The arrival rate is the one the records show, not the nominal offered rate, so the random spread of a short
 * Poisson workload's arrivals is not mistaken for an overload; the nominal rate is quoted in the message.
 *
 * <p>{@link Status#TOO_SHORT Too short to judge}: fewer than {@value #MIN_REQUESTS} requests, whose quarters are
 * too small to compare; or, where no rule fired, a middle half of arrivals shorter than
 * {@value #MIN_JUDGED_SECONDS} s. Over a shorter time, completions falling behind by the rule's 10% would be less
 * than one host's {@value #STALL_MS} ms pause, which rule 1 is made to ignore: such a run cannot show that the
 * engine kept up, and calling it steady (or, without the margin, overloaded) would flip between identical runs.
 * A too-short point's figures are right for what ran; it never counts as overloaded.
 *
 * <p>Not judged ({@link Status#NOT_JUDGED}): a closed loop (offered rate NaN), whose next request waits for a
 * completion, so its load always matches what the engine sustains.
 *
 * @param status              the verdict
 * @param offeredRate         the nominal offered rate, requests per second (NaN for a closed loop)
 * @param arrivalRate         arrivals per second over the middle half of the arrivals; NaN where not computed
 * @param completionRate      completions per second over the middle half of the completions; NaN where not
 *                            computed
 * @param firstQuarterTtftMs  median TTFT of the first quarter of arrivals, ms; NaN where not computed
 * @param lastQuarterTtftMs   median TTFT of the last quarter of arrivals, ms (infinite when most of them got no
 *                            first token); NaN where not computed
 * @param reason              a sentence saying why: for {@link Status#OVERLOADED}, the warning to show
 */
public record SustainedLoad(Status status, double offeredRate, double arrivalRate, double completionRate,
        double firstQuarterTtftMs, double lastQuarterTtftMs, String reason) {
    /** Rule 1: completions at less than this fraction of the arrival rate are an overload. */
    public static final double MIN_COMPLETION_RATIO = 0.9;
    /** Rule 2: the last quarter's median TTFT over the first quarter's, above which queueing grew. */
    public static final double TTFT_GROWTH_RATIO = 2.0;
    /**
     * The longest pause of the host that no rule takes for a growing queue, ms: every rule also needs the queue to
     * have grown by more than this.
     */
    public static final double STALL_MS = 100.0;
    /**
     * The shortest middle half of arrivals over which a steady load is told from an overload, seconds: the time
     * over which completions at {@value #MIN_COMPLETION_RATIO} × the arrival rate fall {@value #STALL_MS} ms behind
     * (0.1 s × 0.9 / (1 − 0.9)).
     */
    public static final double MIN_JUDGED_SECONDS = 0.9;
    /** The fewest requests judged. */
    public static final int MIN_REQUESTS = 8;

    /** The verdict of a check. */
    public enum Status {
        /** No rule fired, over long enough to have seen one fire: the engine kept up. */
        STEADY,
        /** A rule fired: the queue kept growing and latencies are not steady-state. */
        OVERLOADED,
        /** A closed loop, whose load always matches what the engine sustains. */
        NOT_JUDGED,
        /** Too few requests, or arrivals over too short a time, to tell a growing queue from a pause of the host. */
        TOO_SHORT
    }

    public SustainedLoad {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
    }

    /**
     * Checks a run at {@code offeredRate} requests per second (NaN for a closed loop; infinite when every request
     * was offered at once).
     *
     * @throws IllegalArgumentException when the rate is 0 or negative, or there are no records
     */
    public static SustainedLoad check(double offeredRate, List<RequestRecord> records) {
        if (offeredRate <= 0) {
            throw new IllegalArgumentException("offeredRate must be > 0 requests per second, or NaN for a closed"
                    + " loop, got " + offeredRate);
        }
        Objects.requireNonNull(records, "records");
        if (records.isEmpty()) {
            throw new IllegalArgumentException("no request records: nothing to judge");
        }
        int n = records.size();
        if (Double.isNaN(offeredRate)) {
            return notJudged(offeredRate, "closed loop: each request waits for a completion, so the load always"
                    + " matches what the engine sustains");
        }
        if (n < MIN_REQUESTS) {
            return new SustainedLoad(Status.TOO_SHORT, offeredRate, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    "only " + n + " requests: at least " + MIN_REQUESTS + " are needed to judge whether the load was"
                            + " sustained");
        }
        List<RequestRecord> byArrival = records.stream()
                .sorted(Comparator.comparingLong(RequestRecord::arrivalNanos)
                        .thenComparingInt(r -> r.arrival().id()))
                .toList();
        int lo = n / 4;
        int hi = 3 * n / 4;
        long[] arrivals = byArrival.stream().mapToLong(RequestRecord::arrivalNanos).toArray();
        long[] completions = records.stream().filter(RequestRecord::completed)
                .mapToLong(r -> r.tokenNanos()[r.arrival().outputLength() - 1]).sorted().toArray();
        double arrivalRate = rate(hi - lo, arrivals[hi] - arrivals[lo]);
        double completionRate = completions.length > hi
                ? rate(hi - lo, completions[hi] - completions[lo]) : Double.NaN;
        double firstTtft = medianTtftMs(byArrival.subList(0, lo));
        double lastTtft = medianTtftMs(byArrival.subList(n - lo, n));

        long arrivalSpan = arrivals[hi] - arrivals[lo];
        boolean fellBehind = completionRate < MIN_COMPLETION_RATIO * arrivalRate
                && completions[hi] - completions[lo] - arrivalSpan > STALL_MS * 1e6;
        int threeQuarters = (3 * n + 3) / 4;
        long span = arrivals[n - 1] - arrivals[0];
        long tillThreeQuarters = completions.length >= threeQuarters ? completions[threeQuarters - 1] - arrivals[0]
                : Long.MAX_VALUE;
        boolean mostlyDrain = tillThreeQuarters > 2 * span
                && tillThreeQuarters - span > STALL_MS * 1e6;
        boolean queueGrew = lastTtft > TTFT_GROWTH_RATIO * firstTtft && lastTtft - firstTtft > STALL_MS;
        String offered = Double.isInfinite(offeredRate) ? "offered every request at once"
                : String.format(Locale.ROOT, "offered %.1f req/s", offeredRate);
        String rates = String.format(Locale.ROOT, "arrived at %.1f req/s, completed %.1f req/s",
                arrivalRate, completionRate);
        String ttfts = "median TTFT " + ms(firstTtft) + " in the first quarter of arrivals, " + ms(lastTtft)
                + " in the last";
        if (fellBehind || queueGrew || mostlyDrain) {
            List<String> whys = new java.util.ArrayList<>();
            if (fellBehind) {
                whys.add(rates);
            }
            if (queueGrew) {
                whys.add(ttfts);
            }
            if (mostlyDrain && !fellBehind && !queueGrew) {
                whys.add(tillThreeQuarters == Long.MAX_VALUE ? "fewer than three quarters of the requests completed"
                        : String.format(Locale.ROOT, "all arrived within %.2f s, three quarters completed only after"
                                + " %.2f s", span / 1e9, tillThreeQuarters / 1e9));
            }
            String why = String.join("; ", whys);
            return new SustainedLoad(Status.OVERLOADED, offeredRate, arrivalRate, completionRate, firstTtft,
                    lastTtft, offered + " (" + why + "): the queue kept growing; latencies at this rate are not"
                            + " steady-state");
        }
        String seen = offered + " (" + (Double.isNaN(completionRate) ? "" : rates + "; ") + ttfts + ")";
        if (arrivalSpan < MIN_JUDGED_SECONDS * 1e9) {
            // The requests that would make the middle half last long enough at the rate that arrived (it holds
            // about n / 2 of the n − 1 intervals; 2 more for the quarters' rounding); none when all arrived at once.
            String needed = Double.isFinite(arrivalRate) ? String.format(Locale.ROOT, " (about %d requests at"
                    + " this rate)", (long) Math.ceil(2 * MIN_JUDGED_SECONDS * arrivalRate) + 2)
                    : " (its requests arrived all at once)";
            return new SustainedLoad(Status.TOO_SHORT, offeredRate, arrivalRate, completionRate, firstTtft,
                    lastTtft, seen + String.format(Locale.ROOT, ": too short to judge: the middle half of the"
                            + " arrivals lasted %.2f s, and at least %.1f s is needed to tell a growing queue from a"
                            + " pause of the host%s", arrivalSpan / 1e9, MIN_JUDGED_SECONDS, needed));
        }
        return new SustainedLoad(Status.STEADY, offeredRate, arrivalRate, completionRate, firstTtft, lastTtft,
                seen + ": no sign of a growing queue");
    }

    /** The warning to show, for an overload only. */
    public Optional<String> warning() {
        return status == Status.OVERLOADED ? Optional.of(reason) : Optional.empty();
    }

    private static SustainedLoad notJudged(double offeredRate, String reason) {
        return new SustainedLoad(Status.NOT_JUDGED, offeredRate, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                reason);
    }

    /** Events per second for {@code events} intervals over {@code nanos}; infinite for a zero span. */
    private static double rate(int events, long nanos) {
        return nanos == 0 ? Double.POSITIVE_INFINITY : events / (nanos / 1e9);
    }

    /** Median TTFT, ms, a request with no first token counting as infinite; type-7 (mean of the middle two). */
    private static double medianTtftMs(List<RequestRecord> rs) {
        double[] v = new double[rs.size()];
        for (int i = 0; i < v.length; i++) {
            long[] t = rs.get(i).tokenNanos();
            v[i] = t.length == 0 ? Double.POSITIVE_INFINITY : (t[0] - rs.get(i).arrivalNanos()) / 1e6;
        }
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    private static String ms(double ms) {
        return Double.isInfinite(ms) ? "unbounded (most got no first token before the run ended)"
                : String.format(Locale.ROOT, "%.0f ms", ms);
    }
}
