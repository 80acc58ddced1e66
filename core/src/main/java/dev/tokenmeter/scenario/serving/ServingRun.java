package dev.tokenmeter.scenario.serving;

import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import dev.tokenmeter.serving.metrics.ServingMetrics;
import dev.tokenmeter.serving.metrics.SloReport;
import dev.tokenmeter.serving.metrics.SloSet;
import dev.tokenmeter.serving.metrics.SustainedLoad;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One run of a serving point's workload: what the engine did, its metrics, its SLO and load verdicts, its cost and
 * every request's record. A point measured once is one run, held in the point's own fields; a point measured
 * {@code --repeat N} times keeps its other runs as these ({@link ServingPoint#repeats()}), the same workload each
 * time, so that its figures have a sample of runs.
 *
 * @param steps               engine steps the run took
 * @param preemptions         times a request was evicted and its context recomputed
 * @param metrics             latencies and rates
 * @param slo                 the run held to its SLOs; null when none were given
 * @param load                whether the offered load was sustained
 * @param cost                cost at the run's achieved rates; null when no price applies
 * @param achievedArrivalRate (n − 1) / (last arrival − first), per second; null where not recorded
 * @param peakInFlight        the most requests that had arrived and not completed at one time; null likewise
 * @param requestLog          every request, in the order of their ids; null likewise
 */
public record ServingRun(long steps, long preemptions, ServingSummary metrics, ServingPoint.SloResult slo,
        ServingPoint.LoadResult load, CostMetrics cost, Double achievedArrivalRate, Integer peakInFlight,
        List<RequestEntry> requestLog) {
    public ServingRun {
        requestLog = requestLog == null ? null : List.copyOf(requestLog);
    }

    /**
     * A run from a finished serving loop, computing its metrics, SLO report (when {@code slos} is not null) and
     * sustained-load check from the outcome's records, finished and unfinished, and keeping every record.
     *
     * @param offeredRate requests per second offered; NaN for a closed loop
     * @param price       the price per device-hour for the cost figures, or null for none
     */
    public static ServingRun of(ServingLoop.Outcome outcome, double offeredRate, SloSet slos, Price price) {
        return of(outcome, offeredRate, slos, price, 1);
    }

    /** {@link #of(ServingLoop.Outcome, double, SloSet, Price)} served by {@code devices} devices, for its cost. */
    public static ServingRun of(ServingLoop.Outcome outcome, double offeredRate, SloSet slos, Price price,
            int devices) {
        List<RequestRecord> all = new ArrayList<>(outcome.finished());
        all.addAll(outcome.unfinished());
        all.sort(Comparator.comparingInt(r -> r.arrival().id()));
        if (all.stream().noneMatch(RequestRecord::completed) && all.stream().anyMatch(RequestRecord::failed)) {
            return allFailed(outcome, all, slos);
        }
        ServingMetrics metrics = ServingMetrics.of(all);
        SloReport slo = slos == null ? null : SloReport.of(metrics, slos);
        CostMetrics cost = price == null ? null : CostMetrics.of(price, metrics.requestsPerSecond(),
                metrics.inputTokensPerSecond(), metrics.outputTokensPerSecond(), devices);
        return new ServingRun(outcome.steps(), outcome.preemptions(), ServingSummary.of(metrics),
                slo == null ? null : ServingPoint.SloResult.of(slo),
                ServingPoint.LoadResult.of(SustainedLoad.check(offeredRate, all)), cost,
                ServingPoint.arrivalRate(all), outcome.peakInFlight(), all.stream().map(RequestEntry::of).toList());
    }

    /**
     * A run in which no request completed and some failed (an endpoint that refused them all: 429s at a rate it
     * cannot take): kept, so that a sweep or a search goes on and the point says why. It has no latencies or rates,
     * meets no SLO (goodput 0), and its load is not judged; its records say what happened to each request.
     */
    private static ServingRun allFailed(ServingLoop.Outcome outcome, List<RequestRecord> all, SloSet slos) {
        int failed = (int) all.stream().filter(RequestRecord::failed).count();
        ServingSummary none = new ServingSummary(0, all.size() - failed, 0, 0, Double.NaN, 0, 0, 0, 0, null, null,
                null, null, null, failed, null, null);
        ServingPoint.SloResult slo = slos == null ? null : new ServingPoint.SloResult(slos.describe(), 0, 0, 0, false,
                slos.slos().stream().map(s -> new ServingPoint.SloCheckResult(s.metric().label(), s.percentile(),
                        s.limitMs(), Double.NaN, false)).toList());
        return new ServingRun(outcome.steps(), outcome.preemptions(), none, slo, new ServingPoint.LoadResult(
                SustainedLoad.Status.NOT_JUDGED, "no request completed: every one failed or was left unfinished"),
                null, ServingPoint.arrivalRate(all), outcome.peakInFlight(), all.stream().map(RequestEntry::of)
                .toList());
    }

    /** Requests of the run's workload, completed or not. */
    int requests() {
        return requestLog != null ? requestLog.size()
                : metrics == null ? 0 : metrics.requests();
    }

    /** Every SLO met at its percentile; false without SLOs. */
    boolean meetsSlo() {
        return slo != null && slo.meetsSlo();
    }

    /** The load was not sustained. */
    boolean overloaded() {
        return load != null && load.overloaded();
    }
}
