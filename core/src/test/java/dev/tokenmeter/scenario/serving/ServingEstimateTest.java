package dev.tokenmeter.scenario.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.scenario.offline.OfflineScenario;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.metrics.SloSearch;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a run says before it starts (how long it will take, from its spec alone) and what a search stopped early
 * still says (its bracket so far), and the search's own limits: tolerance and probe cap.
 */
class ServingEstimateTest {
    private static final SloSet SLO = SloSet.parse("ttft=2s,tpot=100ms");

    private static ServingSpec serving(ServingSpec.Builder b) {
        return (ServingSpec) b.model("tiny").slo(SLO).spec().scenario();
    }

    @Test
    void aRateSweepIsBoundedByItsArrivalsAndItsTimeLimit() {
        // 200 requests at 1, 2, 4 and 8 req/s arrive over 200 + 100 + 50 + 25 s; each point stops at 600 s.
        assertEquals("at least 6.3 min, at most 40.0 min: 4 points of 200 requests at 1.00 to 8.00 req/s arrive over"
                + " 6.3 min in all, then drain; a point stops at its time limit (10.0 min); 8 warm-up requests first",
                ServingScenario.TYPE.estimate(serving(Benchmark.serving().rates(1, 2, 4, 8))));
        // A point whose arrivals outlast its limit counts its limit.
        assertEquals("at least 2.0 min, at most 2.0 min: 1 point of 200 requests at 0.100 req/s arrive over 2.0"
                + " min in all, then drain; a point stops at its time limit (2.0 min)",
                ServingScenario.TYPE.estimate(serving(Benchmark.serving().rates(0.1).maxDurationSeconds(120)
                        .warmupRequests(0))));
    }

    @Test
    void aSearchIsBoundedByItsProbeCap() {
        // README's search: its lowest rate alone takes 400 s to arrive; up to 16 probes of at most 600 s each.
        assertEquals("at least 6.7 min, at most 2.7 h: up to 16 probes of 200 requests each, arriving over 13 s (at"
                + " 16.0 req/s) to 6.7 min (at 0.500 req/s), then draining; the search stops once its bracket is"
                + " within 5%; a point stops at its time limit (10.0 min); 8 warm-up requests first",
                ServingScenario.TYPE.estimate(serving(Benchmark.serving().search(0.5, 16))));
        assertEquals("at least 6.7 min, at most 60.0 min: up to 6 probes of 200 requests each, arriving over 13 s (at"
                + " 16.0 req/s) to 6.7 min (at 0.500 req/s), then draining; the search stops once its bracket is"
                + " within 12.5%; a point stops at its time limit (10.0 min); 8 warm-up requests first",
                ServingScenario.TYPE.estimate(serving(Benchmark.serving().search(0.5, 16).searchLimits(0.125, 6))));
    }

    @Test
    void aClosedLoopAndATraceSayWhatIsKnown() {
        assertEquals("at most 20.0 min: 2 points of 200 requests in a closed loop, which runs as fast as the engine"
                + " serves it; a point stops at its time limit (10.0 min); 8 warm-up requests first",
                ServingScenario.TYPE.estimate(serving(Benchmark.serving().concurrencies(1, 8))));
        List<Arrival> trace = List.of(new Arrival(0, 0, 8, 4), new Arrival(1, 30, 8, 4), new Arrival(2, 90, 8, 4));
        assertEquals("at least 45 s, at most 10.0 min: the trace's 3 requests arrive over 45 s, then drain; a point"
                + " stops at its time limit (10.0 min)", ServingScenario.TYPE.estimate(serving(Benchmark.serving()
                        .trace("t.jsonl", trace, 0.5).warmupRequests(0))));
    }

    @Test
    void anOfflineRunIsBoundedByItsTrialPolicy() {
        OfflineSpec spec = (OfflineSpec) Benchmark.offline().model("tiny").batchSizes(1, 4).promptLengths(32)
                .outputLengths(16).spec().scenario();
        // The default policy: at least 1 warm-up trial and 2 s (10000 trials, where they are shorter than that), then
        // 3 to 50 trials within 10 s, per point.
        assertEquals("at most about 24 s: 2 points, each a warm-up of at least 1 trial and 2.0 s (or 10000 trials, if"
                + " sooner), then 3 to 50 trials within a budget of 10 s (more where a single trial outlasts these)",
                OfflineScenario.TYPE.estimate(spec));
        OfflineSpec cold = (OfflineSpec) Benchmark.offline().model("tiny").batchSizes(1).promptLengths(8)
                .outputLengths(4).measurement(new MeasurementPolicy(0, 2, 5, 30)).spec().scenario();
        assertEquals("at most about 30 s: 1 point, each no warm-up, then 2 to 5 trials within a budget of 30 s (more"
                + " where a single trial outlasts these)", OfflineScenario.TYPE.estimate(cold));
    }

    @Test
    void theSearchLimitsAreTheSpecsAndDefaultWhereNotGiven() throws Exception {
        ServingSpec plain = serving(Benchmark.serving().search(1, 8));
        assertEquals(SloSearch.DEFAULT_TOLERANCE, plain.searchTolerance());
        assertEquals(SloSearch.DEFAULT_MAX_PROBES, plain.searchProbes());
        ServingSpec limited = serving(Benchmark.serving().search(1, 8).searchLimits(0.2, 4));
        assertEquals(0.2, limited.searchTolerance());
        assertEquals(4, limited.searchProbes());
        assertEquals(0, serving(Benchmark.serving().rates(1)).searchProbes(), "a sweep has no search limits");
        // A result written before the limits were recorded searched with the defaults, and says so when read.
        RunSpec spec = Benchmark.serving().model("tiny").search(1, 8).slo(SLO).spec();
        String json = ResultJson.mapper().writeValueAsString(spec).replace("\"searchTolerance\" : 0.05,", "")
                .replace("\"searchProbes\" : 16,", "");
        assertTrue(!json.contains("searchTolerance") && !json.contains("searchProbes"), json);
        ServingSpec old = (ServingSpec) ResultJson.mapper().readValue(json, RunSpec.class).scenario();
        assertEquals(plain, old);
    }

    @Test
    void aSearchStoppedEarlySaysItsBracketSoFarAndOtherRunsSayNothing() {
        ServingSpec search = serving(Benchmark.serving().search(1, 8));
        List<ServingPoint> none = List.of();
        assertEquals(List.of(), ServingScenario.TYPE.partialWarnings(search, none), "nothing measured, nothing said");
        assertEquals(List.of(), ServingScenario.TYPE.partialWarnings(serving(Benchmark.serving().rates(1)), none));
        RunSpec offline = Benchmark.offline().model("tiny").spec();
        assertEquals(List.of(), ScenarioType.partialWarningsOf(offline, List.of()));
    }
}
