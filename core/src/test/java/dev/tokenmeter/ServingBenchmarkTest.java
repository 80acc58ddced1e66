package dev.tokenmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ServingPointResult;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The serving scenario through the library's builder, on the CPU with the tiny model. */
class ServingBenchmarkTest {
    private static ServingBenchmark tiny() {
        return ServingBenchmark.builder().model("tiny").backend("cpu").threads(2).requests(16)
                .promptLengths(LengthDistribution.uniform(8, 24)).outputLengths(LengthDistribution.fixed(4))
                .warmupRequests(2);
    }

    @Test
    void aRateSweepGivesOnePointPerRateAndTellsTheListener() {
        List<String> heard = new ArrayList<>();
        Result r = tiny().rates(50, 200).slo(SloSet.parse("ttft=10s,tpot=1s")).listener(
                new ServingBenchmark.Listener() {
                    @Override
                    public void started(RunSpec spec, Environment environment, String backend) {
                        heard.add("started " + backend + " " + spec.serving().mode());
                    }

                    @Override
                    public void pointFinished(ServingPointResult point) {
                        heard.add(point.label());
                    }
                }).run();
        assertEquals(List.of("started cpu rate", "rate 50.0", "rate 200"), heard);
        assertEquals(Result.SERVING, r.scenario());
        assertTrue(r.complete());
        assertEquals(2, r.servingPoints().size());
        for (ServingPointResult p : r.servingPoints()) {
            assertEquals(16, p.metrics().completed());
            assertEquals(16 * 4, p.metrics().outputTokens(), "every request's 4 output tokens");
            assertTrue(p.slo().meetsSlo(), "generous SLOs");
        }
        assertEquals(256, r.spec().serving().maxTokensPerStep(), "the CPU's step budget");
        assertEquals("8:24", r.spec().serving().promptLength());
    }

    @Test
    void aTraceIsReplayedAtItsOwnLengthsAndScaled() {
        List<Arrival> trace = List.of(new Arrival(0, 0, 10, 5), new Arrival(1, 0.02, 20, 3),
                new Arrival(2, 0.04, 5, 6));
        Result r = tiny().trace("t.jsonl", trace, 0.5).run();
        ServingPointResult p = r.servingPoints().get(0);
        assertEquals("trace t.jsonl", p.label());
        assertEquals(3 / 0.02, p.offeredRate(), 1e-9, "3 requests over the last arrival at 0.04 s x 0.5");
        assertEquals(5 + 3 + 6, p.metrics().outputTokens());
    }

    @Test
    void theSearchNeedsSlosAndOneModeIsGiven() {
        assertEquals("a search needs SLOs: the SLOs the rate must meet",
                assertThrows(IllegalArgumentException.class, () -> tiny().search(1, 10).run()).getMessage());
        assertEquals("give exactly one of rates, concurrencies, a trace and a search",
                assertThrows(IllegalArgumentException.class, () -> tiny().rates(1).concurrencies(2).run())
                        .getMessage());
        assertEquals("give exactly one of rates, concurrencies, a trace and a search",
                assertThrows(IllegalArgumentException.class, () -> tiny().run()).getMessage());
        assertEquals("requests must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> tiny().requests(0).rates(1).run()).getMessage());
        assertThrows(IllegalArgumentException.class, () -> tiny().rates(-1).run());
    }
}
