package dev.tokenmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The library's front door on the CPU with the tiny model: a builder per scenario runs on the backend it names,
 * telling its listener, and a spec made once runs through {@link Benchmark#run}. (Each run opens its own backend,
 * as a library user's would; the scenarios' own tests share one.)
 */
class BenchmarkTest {
    private static ServingSpec.Builder tiny() {
        return Benchmark.serving().model("tiny").backend("cpu").threads(2).requests(16)
                .promptLengths(LengthDistribution.uniform(8, 24)).outputLengths(LengthDistribution.fixed(4))
                .warmupRequests(2);
    }

    @Test
    void aRateSweepGivesOnePointPerRateAndTellsTheListener() {
        List<String> heard = new ArrayList<>();
        Result r = tiny().rates(50, 200).slo(SloSet.parse("ttft=10s,tpot=1s")).listener(new RunListener() {
            @Override
            public void started(RunSpec spec, Environment environment) {
                heard.add("started " + environment.device().backend() + " " + ((ServingSpec) spec.scenario()).mode()
                        .label());
            }

            @Override
            public void pointFinished(ScenarioPoint point, int index, int total) {
                heard.add(point.label());
            }
        }).run();
        assertEquals(List.of("started cpu rate", "rate 50.0", "rate 200"), heard);
        assertEquals("serving", r.scenario());
        assertTrue(r.complete());
        List<ServingPoint> points = r.points(ServingPoint.class);
        assertEquals(2, points.size());
        for (ServingPoint p : points) {
            assertEquals(ServingMode.RATE, p.mode());
            assertEquals(16, p.requests());
            assertEquals(16, p.metrics().completed());
            assertEquals(16 * 4, p.metrics().outputTokens(), "every request's 4 output tokens");
            assertTrue(p.slo().meetsSlo(), "generous SLOs");
            assertEquals("8:24", p.promptLength());
            assertEquals("4", p.outputLength());
            assertEquals(16, p.requestLog().size());
        }
        assertEquals(50, points.get(0).offeredRate());
        assertEquals(200, points.get(1).offeredRate());
        ServingSpec spec = (ServingSpec) r.spec().scenario();
        assertEquals(256, spec.maxTokensPerStep(), "the CPU's step budget");
        assertTrue(spec.kvBlocks() > 0, "the KV blocks used, made concrete");
        assertEquals("8:24", spec.promptLength().describe());
        assertEquals("ttft:p99=10000ms,tpot:p99=1000ms", spec.slo().describe());
    }

    @Test
    void aSpecMadeOnceRunsThroughTheFrontDoor() {
        RunSpec spec = Benchmark.offline().model("tiny").backend("cpu").threads(2).batchSizes(2).promptLengths(4)
                .outputLengths(2).measurement(new MeasurementPolicy(0, 1, 1, 0)).spec();
        List<String> heard = new ArrayList<>();
        Result r = Benchmark.run(spec, new RunListener() {
            @Override
            public void finished(Result result) {
                heard.add("finished " + result.complete());
            }
        });
        assertEquals(List.of("finished true"), heard);
        assertEquals("offline", r.scenario());
        assertEquals(spec.withPrice(r.spec().price()), r.spec(), "the spec as given, with the price it used");
        OfflinePoint p = r.points(OfflinePoint.class).get(0);
        assertEquals("batch 2, prompt 4, output 2", p.label());
        assertEquals(1, p.trials().size());
    }
}
