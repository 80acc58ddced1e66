package dev.tokenmeter.scenario.serving;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.endpoint.ServerFacts;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import dev.tokenmeter.serving.WarmUp;
import dev.tokenmeter.serving.metrics.SloCheck;
import dev.tokenmeter.serving.metrics.SloReport;
import dev.tokenmeter.serving.metrics.SloSet;
import dev.tokenmeter.serving.metrics.SustainedLoad;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * One measured point of the serving scenario: how the load was offered, what the run did, its metrics, its SLO
 * verdict, whether the load was sustained, what it cost, and every request's record, from which all of these can
 * be recomputed. A point measured more than once ({@code serve --repeat N}) holds its first run in these fields
 * and the others in {@code repeats}: its figures in reports are medians over the runs, {@code compare} tests its
 * metrics over them, and its verdicts are those of most of its runs.
 *
 * @param label               the point's name as reports show it ("rate 2.00", "concurrency 8", "trace t.jsonl")
 * @param mode                how requests were offered
 * @param offeredRate         the nominal offered rate, requests per second; NaN for a closed loop
 * @param concurrency         requests kept in flight by a closed loop; 0 for an open loop
 * @param requests            requests of the point's workload, completed or not
 * @param promptLength        prompt tokens per request as the option gives them ({@code "128"}, {@code "64:256"})
 * @param outputLength        output tokens per request, likewise
 * @param steps               engine steps the run took
 * @param preemptions         times a request was evicted and its context recomputed
 * @param metrics             latencies and rates
 * @param slo                 the run held to its SLOs; null when none were given
 * @param load                whether the offered load was sustained
 * @param cost                cost at the point's achieved rates; null when no price applies
 * @param achievedArrivalRate the rate at which requests actually arrived, (n − 1) / (last arrival − first), per
 *                            second: a seeded random stream is faster or slower than its nominal rate; null in
 *                            results written before it was recorded
 * @param peakInFlight        the most requests that had arrived and not completed at one time; null likewise
 * @param requestLog          every request, in the order of their ids; null likewise
 * @param repeats             the point's runs after the first, on the same workload; empty when it was measured
 *                            once (and in results written before repeats existed)
 * @param warmup              how the warm-up before this point went, on the first point measured after it; null
 *                            on the others (and in results written before it was recorded)
 * @param target              what its requests went to: "in-process" or "endpoint" ({@link TargetSpec#label});
 *                            null in results written before targets existed (the engine in this process)
 * @param server              what an endpoint's server said about the point's first run (its model, queue time,
 *                            KV-cache usage, where it exposes them); null for the engine in this process
 */
@JsonTypeName(ServingScenario.NAME)
public record ServingPoint(String label, ServingMode mode, double offeredRate, int concurrency, int requests,
        String promptLength, String outputLength, long steps, long preemptions, ServingSummary metrics,
        SloResult slo, LoadResult load, CostMetrics cost, Double achievedArrivalRate, Integer peakInFlight,
        List<RequestEntry> requestLog, List<ServingRun> repeats, WarmUp.Report warmup, String target,
        @JsonInclude(JsonInclude.Include.NON_NULL) ServerFacts server) implements ScenarioPoint {

    public ServingPoint {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(mode, "mode");
        requestLog = requestLog == null ? null : List.copyOf(requestLog);
        repeats = repeats == null ? List.of() : List.copyOf(repeats);
        target = target == null ? TargetSpec.IN_PROCESS : target;
    }

    /** A point of the engine in this process. */
    public ServingPoint(String label, ServingMode mode, double offeredRate, int concurrency, int requests,
            String promptLength, String outputLength, long steps, long preemptions, ServingSummary metrics,
            SloResult slo, LoadResult load, CostMetrics cost, Double achievedArrivalRate, Integer peakInFlight,
            List<RequestEntry> requestLog, List<ServingRun> repeats, WarmUp.Report warmup) {
        this(label, mode, offeredRate, concurrency, requests, promptLength, outputLength, steps, preemptions, metrics,
                slo, load, cost, achievedArrivalRate, peakInFlight, requestLog, repeats, warmup, null, null);
    }

    /**
     * The run's SLO verdict, two ways (see {@link SloReport}): goodput counts requests that met every limit, each
     * judged on its own values; {@code meetsSlo} is whether the run as a whole met every SLO at its percentile.
     *
     * @param slo          the SLOs as {@code --slo} writes them ({@code "ttft:p99=2000ms,tpot:p99=100ms"})
     * @param goodRequests completed requests that met every limit
     * @param goodput      good requests per second of the run's duration
     * @param goodFraction good requests / completed requests
     * @param meetsSlo     every SLO met at its percentile (the sustained-load check is separate: {@code load})
     * @param checks       each SLO at its percentile, in the order given
     */
    public record SloResult(String slo, int goodRequests, double goodput, double goodFraction, boolean meetsSlo,
            List<SloCheckResult> checks) {
        public SloResult {
            checks = checks == null ? List.of() : List.copyOf(checks);
        }

        public static SloResult of(SloReport r) {
            List<SloCheckResult> checks = new ArrayList<>();
            for (SloCheck c : r.checks()) {
                checks.add(new SloCheckResult(c.slo().metric().label(), c.slo().percentile(), c.slo().limitMs(),
                        c.measuredMs(), c.met()));
            }
            return new SloResult(r.slos().describe(), r.goodRequests(), r.goodput(), r.goodFraction(), r.meetsSlo(),
                    checks);
        }
    }

    /**
     * One SLO checked against the run at its percentile.
     *
     * @param metric     "ttft", "tpot", "itl" or "e2e"
     * @param percentile 50, 90, 95 or 99
     * @param limitMs    the bound, ms
     * @param measuredMs the run's value at that percentile, ms; NaN where the metric is undefined (counts as met)
     * @param met        measuredMs ≤ limitMs, or undefined
     */
    public record SloCheckResult(String metric, int percentile, double limitMs, double measuredMs, boolean met) {
    }

    /**
     * The sustained-load check ({@link SustainedLoad}).
     *
     * @param status steady, overloaded, not judged (a closed loop) or too short to judge; in JSON by name
     *               ("STEADY", "OVERLOADED", "NOT_JUDGED", "TOO_SHORT"; an open-loop point of too few requests
     *               written before "TOO_SHORT" existed reads "NOT_JUDGED")
     * @param reason why, in a sentence; for an overload, the warning to show
     */
    public record LoadResult(SustainedLoad.Status status, String reason) {
        public static LoadResult of(SustainedLoad l) {
            return new LoadResult(l.status(), l.reason());
        }

        /** Whether the queue kept growing, so that the point's latencies are not steady-state. */
        public boolean overloaded() {
            return status == SustainedLoad.Status.OVERLOADED;
        }
    }

    /**
     * A point from one finished run, computing its metrics, SLO report (when {@code slos} is not null) and
     * sustained-load check from the outcome's records, finished and unfinished, and keeping every record.
     *
     * @param label        as reports show it ("rate 2.00")
     * @param offeredRate  requests per second offered; NaN for a closed loop
     * @param concurrency  requests in flight for a closed loop; 0 for an open loop
     * @param promptLength the prompt lengths' option text ({@code LengthDistribution.describe()})
     * @param outputLength the output lengths' option text
     * @param price        the price per device-hour for the cost figures, or null for none
     */
    public static ServingPoint of(String label, ServingMode mode, double offeredRate, int concurrency,
            String promptLength, String outputLength, ServingLoop.Outcome outcome, SloSet slos, Price price) {
        Objects.requireNonNull(outcome, "outcome");
        return of(label, mode, offeredRate, concurrency, promptLength, outputLength, List.of(outcome), slos, price);
    }

    /** A point of the engine in this process from the runs of one workload, in the order they ran. */
    public static ServingPoint of(String label, ServingMode mode, double offeredRate, int concurrency,
            String promptLength, String outputLength, List<ServingLoop.Outcome> outcomes, SloSet slos,
            Price price) {
        return of(label, mode, offeredRate, concurrency, promptLength, outputLength, outcomes, slos, price,
                new TargetSpec.InProcess());
    }

    /**
     * A point from the runs of one workload on {@code target}, in the order they ran: the first in its fields, the
     * rest repeats. Its cost is per device-hour of the target's devices.
     */
    public static ServingPoint of(String label, ServingMode mode, double offeredRate, int concurrency,
            String promptLength, String outputLength, List<ServingLoop.Outcome> outcomes, SloSet slos,
            Price price, TargetSpec target) {
        if (outcomes.isEmpty()) {
            throw new IllegalArgumentException("a point needs at least one run");
        }
        List<ServingRun> runs = outcomes.stream()
                .map(o -> ServingRun.of(o, offeredRate, slos, price, target.devices())).toList();
        ServingRun first = runs.get(0);
        return new ServingPoint(label, mode, offeredRate, concurrency, first.requests(), promptLength, outputLength,
                first.steps(), first.preemptions(), first.metrics(), first.slo(), first.load(), first.cost(),
                first.achievedArrivalRate(), first.peakInFlight(), first.requestLog(), runs.subList(1, runs.size()),
                null, target.label(), null);
    }

    /** This point with the report of the warm-up that went before it. */
    public ServingPoint withWarmup(WarmUp.Report report) {
        return new ServingPoint(label, mode, offeredRate, concurrency, requests, promptLength, outputLength, steps,
                preemptions, metrics, slo, load, cost, achievedArrivalRate, peakInFlight, requestLog, repeats, report,
                target, server);
    }

    /** This point with what its endpoint's server said about its first run. */
    public ServingPoint withServer(ServerFacts facts) {
        return new ServingPoint(label, mode, offeredRate, concurrency, requests, promptLength, outputLength, steps,
                preemptions, metrics, slo, load, cost, achievedArrivalRate, peakInFlight, requestLog, repeats, warmup,
                target, facts);
    }

    /** Every run of the point, the first (this point's own fields) then its repeats. */
    public List<ServingRun> runs() {
        List<ServingRun> out = new ArrayList<>(1 + repeats.size());
        out.add(new ServingRun(steps, preemptions, metrics, slo, load, cost, achievedArrivalRate, peakInFlight,
                requestLog));
        out.addAll(repeats);
        return out;
    }

    /** The median over the runs of a figure (type 7: the mean of the middle two); NaN where no run has it. */
    public double median(ToDoubleFunction<ServingRun> figure) {
        double[] v = runs().stream().mapToDouble(figure).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    /** Runs that met every SLO at its percentile. */
    public int runsMeetingSlo() {
        return (int) runs().stream().filter(ServingRun::meetsSlo).count();
    }

    /** Runs whose load was not sustained. */
    public int runsOverloaded() {
        return (int) runs().stream().filter(ServingRun::overloaded).count();
    }

    /** Every SLO met at its percentile in at least half of the runs (in the run, for one); false without SLOs. */
    public boolean meetsSlo() {
        return slo != null && 2 * runsMeetingSlo() >= 1 + repeats.size();
    }

    /** The load not sustained in more than half of the runs (in the run, for one). */
    public boolean overloaded() {
        return 2 * runsOverloaded() > 1 + repeats.size();
    }

    /** (n − 1) / (last arrival − first arrival), per second; NaN for fewer than two or a zero span. */
    static double arrivalRate(List<RequestRecord> records) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (RequestRecord r : records) {
            first = Math.min(first, r.arrivalNanos());
            last = Math.max(last, r.arrivalNanos());
        }
        return records.size() < 2 || last == first ? Double.NaN : (records.size() - 1) / ((last - first) / 1e9);
    }

    /**
     * Whether this point passed: every SLO met at its percentile and the load not overloaded, in most of its runs
     * ({@link #meetsSlo}, {@link #overloaded}).
     */
    public boolean passes() {
        return meetsSlo() && !overloaded();
    }
}
