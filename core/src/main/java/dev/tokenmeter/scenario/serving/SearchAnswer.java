package dev.tokenmeter.scenario.serving;

import dev.tokenmeter.serving.metrics.ProbedRate;
import dev.tokenmeter.serving.metrics.SloSearch;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.List;
import java.util.Locale;

/**
 * A search's answer as the run warning that carries it: the highest rate that met the SLOs, the lowest that failed
 * above it, why the search stopped and how wide the bracket is; for a search stopped early, the same from the probes
 * measured so far, so that an interrupted search still says what it found.
 */
final class SearchAnswer {
    private SearchAnswer() {
    }

    /** "SLO search: highest rate meeting ttft:p99<=2000ms: 2.00 req/s (lowest failing: 4.00; stopped: ...)". */
    static String warning(SloSet slo, SloSearch.Result found) {
        double width = found.relativeWidth();
        // No bracket has one of two causes: the lowest rate failed, or no rate failed.
        String bracket = Double.isFinite(width) ? String.format(Locale.ROOT, "; bracket ±%.1f%%", 50 * width)
                : Double.isNaN(found.highestPassing()) ? "; no rate met the SLOs, so no bracket: search lower"
                : "; no failing rate found, so no bracket: search higher";
        String stopped = found.stop() == SloSearch.Stop.STOPPED_EARLY
                ? "stopped early, after " + found.points().size() + " probe" + (found.points().size() == 1 ? "" : "s")
                        + ": the answer so far"
                : "stopped: " + found.stop();
        return String.format(Locale.ROOT, "SLO search: highest rate meeting %s: %s req/s (lowest failing: %s; %s%s)",
                slo.describe(), ServingRunner.trim(found.highestPassing()), ServingRunner.trim(found.lowestFailing()),
                stopped, bracket);
    }

    /** The answer the probes measured so far give: empty where none was measured, or the run is no search. */
    static List<String> sofar(ServingSpec spec, List<ServingPoint> points) {
        if (spec.mode() != ServingMode.SEARCH || points.isEmpty()) {
            return List.of();
        }
        List<ProbedRate> probes = points.stream().map(p -> ProbedRate.verdict(p.offeredRate(), p.passes())).toList();
        return List.of(warning(spec.slo(), SloSearch.bracket(probes)));
    }
}
