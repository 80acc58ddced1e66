package dev.tokenmeter.plan;

import static dev.tokenmeter.plan.PlanFixtures.CPU;
import static dev.tokenmeter.plan.PlanFixtures.H100;
import static dev.tokenmeter.plan.PlanFixtures.servingPoint;
import static dev.tokenmeter.plan.PlanFixtures.servingResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.scenario.serving.ServingPoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plans from serving results, on hand-worked examples. */
class ServingPlanTest {
    private static final double EPS = 1e-9;
    private static final Constraints MLPERF = new Constraints(2000.0, 100.0);

    /**
     * A sweep on an H100, prompt 1024 / output 128, 200 requests per point. Achieved rates: rate 2 → 200 / 100 s =
     * 2.0 req/s; rate 4 → 200 / 52 s = 3.846; rate 6 → 200 / 40 s = 5.0 but TTFT p99 2500 ms; rate 8 → 200 / 38 s
     * = 5.263, OVERLOADED.
     */
    private static Result sweep() {
        return servingResult(H100,
                servingPoint(2, 200, 0, 100, 1024, 128, 150, 300, 30, 40, false),
                servingPoint(4, 200, 0, 52, 1024, 128, 400, 900, 50, 70, false),
                servingPoint(6, 200, 0, 40, 1024, 128, 1200, 2500, 70, 95, false),
                servingPoint(8, 200, 0, 38, 1024, 128, 9000, 30000, 90, 120, true));
    }

    private static PlanInputs inputs(double rate, Constraints c, Price price) {
        return new PlanInputs(rate, null, null, c, 0.8, price);
    }

    private static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.abs(expected) * EPS, what);
    }

    @Test
    void theHighestSteadyLoadThatMeetsTheLimitsSizesTheFleet() {
        CapacityPlan plan = CapacityPlan.of(sweep(), "sweep.json", inputs(100, MLPERF, PricePresets.get("h100")));
        assertEquals("serving", plan.scenario());
        assertEquals("prompt 1024, output 128", plan.lengthMix());
        assertEquals(1024, plan.promptLength());
        assertEquals(128, plan.outputLength());
        Deployment d = plan.measuredDeployment();
        assertTrue(d.feasible());
        assertEquals("rate 4.00", d.operatingPoint().label());
        double perGpu = 200 / 52.0;
        close(perGpu, d.operatingPoint().requestsPerSecond(), "achieved req/s");
        close(200 * 128 / 52.0, d.operatingPoint().outputTokensPerSecond(), "output tok/s");
        // GPUs = ceil(100 / (3.846 x 0.8) = 32.5) = 33; utilization 100 / (33 x 3.846) = 78.8%.
        assertEquals(33, d.gpus());
        close(100 / (33 * perGpu), d.expectedUtilization(), "utilization");
        close(730 * 33 * 6.155, d.cost().usdPerMonth(), "USD per month");
        // Every paid hour is charged to the traffic served.
        close(d.cost().usdPerMonth(), d.cost().usdPerQuery() * 100 * 3600 * 730, "bill");

        List<Candidate> points = plan.points();
        assertEquals(List.of("rate 2.00", "rate 4.00", "rate 6.00", "rate 8.00"),
                points.stream().map(c -> c.estimate().label()).toList());
        assertEquals(List.of("TTFT p99 2500 ms > 2000 ms"), points.get(2).violations());
        assertTrue(points.get(3).violations().get(0).startsWith("OVERLOADED: completions fell behind"),
                points.get(3).violations().toString());
        assertTrue(plan.notes().stream().anyMatch(n -> n.contains("the next one (rate 6.00, 5.000 req/s) does not"
                + " (TTFT p99 2500 ms > 2000 ms)")), plan.notes().toString());
        assertTrue(plan.notes().stream().anyMatch(n -> n.contains("each of the 33 GPUs is assumed to get an even"
                + " share of the traffic, 3.030 req/s arriving as measured (Poisson")), plan.notes().toString());
    }

    @Test
    void anOverloadedPointNeverQualifiesEvenWithoutLimits() {
        CapacityPlan plan = CapacityPlan.of(sweep(), "sweep.json", inputs(10, Constraints.NONE, null));
        // rate 8 has the largest achieved rate (5.263) but its queue kept growing: rate 6 (5.0) is chosen.
        assertEquals("rate 6.00", plan.measuredDeployment().operatingPoint().label());
        assertEquals(3, plan.measuredDeployment().gpus()); // ceil(10 / (5 x 0.8) = 2.5)
    }

    @Test
    void unfinishedRequestsDisqualifyAPoint() {
        Result r = servingResult(H100, servingPoint(2, 200, 0, 100, 1024, 128, 150, 300, 30, 40, false),
                servingPoint(4, 190, 10, 52, 1024, 128, 400, 900, 50, 70, false));
        CapacityPlan plan = CapacityPlan.of(r, "r.json", inputs(10, MLPERF, null));
        assertEquals("rate 2.00", plan.measuredDeployment().operatingPoint().label());
        assertEquals("INCOMPLETE: 10 of 200 requests were unfinished when the point ended, and its percentiles"
                + " leave them out", plan.points().get(1).violations().get(0));
    }

    @Test
    void whenNoLoadMeetsTheLimitsTheClosestSteadyOneIsShownWithoutAFleet() {
        CapacityPlan plan = CapacityPlan.of(sweep(), "sweep.json", inputs(100, new Constraints(100.0, 20.0),
                null));
        assertFalse(plan.feasible());
        Deployment d = plan.measuredDeployment();
        // Worst ratios: rate 2 max(300/100, 40/20) = 3; rate 4: 9; rate 6: 25; rate 8 is overloaded (last).
        assertEquals("rate 2.00", d.operatingPoint().label());
        assertNull(d.gpus());
        assertNull(d.cost());
    }

    @Test
    void projectionsScaleTheWholeRunByTheSmallerSpeedUp() {
        CapacityPlan plan = CapacityPlan.of(sweep(), "sweep.json", inputs(100, MLPERF, PricePresets.get("h100")));
        assertEquals(List.of("NVIDIA H100 80GB HBM3 (H100 SXM)", "H200 SXM", "B200", "GB200", "Rubin"),
                plan.deployments().stream().map(Deployment::gpu).toList());

        // H200: the same FLOP/s, so the bound is no faster at all (k = max(989.4/989.4, 3.35/4.8) = 1).
        Deployment h200 = plan.deployments().get(1);
        assertEquals(Basis.PROJECTION, h200.basis());
        assertEquals("rate 4.00", h200.operatingPoint().label());
        close(200 / 52.0, h200.operatingPoint().requestsPerSecond(), "H200 req/s");
        assertEquals(33, h200.gpus());
        assertEquals("a bound: every step 1.00 times as fast, the smaller of the FLOP/s ratio (1.00) and the bandwidth"
                + " ratio (1.43); a load whose steps are mostly decodes may gain up to the larger",
                h200.notes().get(0));

        // B200: k = max(989.4/2250, 3.35/8) = 0.43973; rate 6's TTFT p99 2500 x k = 1099 ms now meets 2 s, so it
        // is the operating point at 5 / k = 11.37 req/s; GPUs = ceil(100 / (11.37 x 0.8) = 10.99) = 11.
        double k = 989.4 / 2250;
        Deployment b200 = plan.deployments().get(2);
        assertEquals("rate 6.00", b200.operatingPoint().label());
        close(5 / k, b200.operatingPoint().requestsPerSecond(), "B200 req/s");
        close(2500 * k, b200.operatingPoint().ttftP99Ms(), "B200 TTFT p99");
        close(95 * k, b200.operatingPoint().tpotP99Ms(), "B200 TPOT p99");
        assertEquals(11, b200.gpus());
        close(8.60, b200.cost().usdPerGpuHour(), "B200 price");

        // GB200: bandwidth is the smaller speed-up there, k = 3.35 / 8.
        Deployment gb200 = plan.deployments().get(3);
        close(5 / (3.35 / 8), gb200.operatingPoint().requestsPerSecond(), "GB200 req/s");

        // Rubin: no bf16 figure, and a serving step mixes prefill and decode: not projected at all.
        Deployment rubin = plan.deployments().get(4);
        assertEquals(Basis.NOT_PROJECTED, rubin.basis());
        assertNull(rubin.operatingPoint());
        assertNull(rubin.gpus());
        assertTrue(rubin.notes().get(0).startsWith("not projected: a serving step mixes prompt chunks"));
        assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("PROJECTION rows are estimates, not"
                + " measurements: every step of each measured run")), plan.notes().toString());
    }

    @Test
    void aServingResultIsPlannedOnlyAtItsOwnLengths() {
        PlanInputs same = new PlanInputs(10, 1024, 128, MLPERF, 0.8, null);
        assertEquals(1024, CapacityPlan.of(sweep(), "s.json", same).promptLength());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CapacityPlan.of(sweep(),
                "s.json", new PlanInputs(10, 512, null, MLPERF, 0.8, null)));
        assertEquals("s.json: a serving result is planned at the lengths it measured (prompt lengths 1024), not"
                + " --prompt-len 512: its latencies include queueing, which does not rescale with the lengths;"
                + " measure that mix (tokenmeter serve --prompt-len 512)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CapacityPlan.of(sweep(), "s.json",
                new PlanInputs(10, null, 64, MLPERF, 0.8, null)));
        assertTrue(e.getMessage().contains("(output lengths 128), not --gen 64"), e.getMessage());
    }

    @Test
    void aCpuServingResultIsPlannedButNotProjected() {
        Result r = servingResult(CPU, servingPoint(1, 40, 0, 42, 160, 32, 300, 900, 50, 90, false));
        CapacityPlan plan = CapacityPlan.of(r, "cpu.json", inputs(2, MLPERF, null));
        assertEquals(1, plan.deployments().size());
        assertEquals(3, plan.measuredDeployment().gpus()); // ceil(2 / (40/42 x 0.8) = 2.625)
        assertEquals("device", PlanRenderer.unit(plan));
        assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("no projection to GPUs")));
    }

    @Test
    void burstyArrivalsAreSaidToSplitConservatively() {
        Result r = servingResult(H100, 0.5, servingPoint(2, 200, 0, 100, 1024, 128, 150, 300, 30, 40, false));
        CapacityPlan plan = CapacityPlan.of(r, "b.json", inputs(10, MLPERF, null));
        assertTrue(plan.notes().stream().anyMatch(n -> n.contains("gamma arrivals of burstiness 0.500: a share of"
                + " a bursty stream is less bursty, so this is conservative")), plan.notes().toString());
        assertTrue(plan.notes().stream().anyMatch(n -> n.contains("no measured load above it failed")),
                plan.notes().toString());
    }

    @Test
    void aResultWithoutAUsablePointIsRefused() {
        Result empty = servingResult(H100, servingPoint(2, 200, 0, 100, 1024, 128, 150, 300, 30, 40, false));
        Result none = Result.of(empty.startedAt(), empty.finishedAt(), false, empty.spec(), empty.environment(),
                List.of(), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CapacityPlan.of(none,
                "n.json", inputs(1, MLPERF, null)));
        assertEquals("n.json: the result has no measured point", e.getMessage());
        ServingPoint p = empty.points(ServingPoint.class).get(0);
        ServingPoint nothing = new ServingPoint(p.label(), p.mode(), p.offeredRate(), 0, 200, p.promptLength(),
                p.outputLength(), 0, 0, null, null, p.load(), null, null, null, null, null, null);
        Result useless = Result.of(empty.startedAt(), empty.finishedAt(), true, empty.spec(), empty.environment(),
                List.of(nothing), List.of());
        TokenmeterException t = assertThrows(TokenmeterException.class, () -> CapacityPlan.of(useless, "u.json",
                inputs(1, MLPERF, null)));
        assertEquals("u.json: no serving point completed a request; nothing to plan from", t.getMessage());
    }

    @Test
    void rendersTheServingPointsAndTheUnprojectedRow() throws Exception {
        CapacityPlan plan = CapacityPlan.of(sweep(), "sweep.json", inputs(100, MLPERF, PricePresets.get("h100")));
        String s = PlanRenderer.console(plan);
        for (String part : List.of("workload     100 req/s, prompt 1024, output 128 (mean prompt 1024 + output 128"
                + " tokens per request, as measured)", "(serving runs, one per offered load; p99s over requests;"
                + " achieved rates)", "plan on NVIDIA H100 80GB HBM3 (H100 SXM), measured: rate 4.00, 3.846 req/s"
                + " per GPU", "GPUs         33 = ceil(100 / (3.846 x 0.8) = 32.50)", "no: OVERLOADED: completions",
                "Rubin: not projected: a serving step")) {
            assertTrue(s.contains(part), () -> "expected '" + part + "' in:\n" + s);
        }
        String rubin = s.lines().filter(l -> l.startsWith("Rubin ")).findFirst().orElseThrow();
        assertTrue(rubin.contains("not projected"), rubin);
        assertFalse(rubin.contains("NOT FEASIBLE"), rubin);
        JsonNode n = ResultJson.mapper().readTree(PlanRenderer.json(plan));
        assertEquals("serving", n.get("scenario").asText());
        assertEquals("rate 4.00", n.at("/deployments/0/operatingPoint/label").asText());
        assertEquals(0, n.at("/deployments/0/operatingPoint/batch").asInt());
        assertTrue(n.at("/deployments/4/operatingPoint").isNull());
        assertEquals("NOT_PROJECTED", n.at("/deployments/4/basis").asText());
    }
}
