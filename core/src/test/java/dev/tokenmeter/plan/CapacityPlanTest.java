package dev.tokenmeter.plan;

import static dev.tokenmeter.plan.PlanFixtures.CPU;
import static dev.tokenmeter.plan.PlanFixtures.H100;
import static dev.tokenmeter.plan.PlanFixtures.UNKNOWN_GPU;
import static dev.tokenmeter.plan.PlanFixtures.point;
import static dev.tokenmeter.plan.PlanFixtures.result;
import static dev.tokenmeter.plan.PlanFixtures.servingPoint;
import static dev.tokenmeter.plan.PlanFixtures.servingResult;
import static dev.tokenmeter.plan.PlanFixtures.violating;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.serving.ServingPoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan's arithmetic on hand-worked examples, and the choice of the operating point. */
class CapacityPlanTest {
    private static final double EPS = 1e-9;

    /**
     * Batch 2, prompt 100, output 11: TTFT 300 ms, then 10 decode steps of 70 ms, so a trial lasts 1000 ms: 2.0
     * req/s per GPU, 200 input and 22 output tok/s; 30% of the time in prefill, 70% in decode.
     */
    private static OfflinePoint twoPerSecond() {
        return point(2, 100, 11, 70, 300, 300, 300);
    }

    private static PlanInputs inputs(double rate, double utilization, Constraints c, Price price) {
        return new PlanInputs(rate, null, null, c, utilization, price);
    }

    private static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.abs(expected) * EPS, what);
    }

    @Test
    void gpusAreTheRateOverDerratedCapacityRoundedUp() {
        // 2.0 req/s per GPU loaded to 0.8 serves 1.6 req/s; 100 / 1.6 = 62.5 -> 63 GPUs.
        assertEquals(63, CapacityPlan.gpusNeeded(100, 2.0, 0.8));
        // 160 / 1.6 = 100 exactly: no GPU added for rounding.
        assertEquals(100, CapacityPlan.gpusNeeded(160, 2.0, 0.8));
        // 90 / (3 x 0.3) is 100.00000000000001 in doubles; it must still be 100, not 101.
        assertEquals(100, CapacityPlan.gpusNeeded(90, 3.0, 0.3));
        // 21 / (3 x 0.7) = 10.000000000000002 in doubles -> 10.
        assertEquals(10, CapacityPlan.gpusNeeded(21, 3.0, 0.7));
        // A trickle still needs one GPU.
        assertEquals(1, CapacityPlan.gpusNeeded(0.01, 2.0, 0.8));
        // Full load allowed: 100 / 2.0 = 50.
        assertEquals(50, CapacityPlan.gpusNeeded(100, 2.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> CapacityPlan.gpusNeeded(100, 0, 0.8));
    }

    @Test
    void utilizationAndMonthlyCost() {
        // 63 GPUs of 2.0 req/s serving 100 req/s: 100 / 126 = 79.37%.
        close(100.0 / 126, CapacityPlan.expectedUtilization(100, 63, 2.0), "utilization");
        // 730 h x 63 GPUs x 6.155 $ = 283,068.45 $.
        close(283_068.45, CapacityPlan.usdPerMonth(63, 6.155), "USD per month");
    }

    @Test
    void handWorkedPlanOnTheMeasuredGpu() {
        CapacityPlan plan = CapacityPlan.of(result(H100, twoPerSecond()), "hand.json",
                inputs(100, 0.8, Constraints.NONE, PricePresets.get("h100")));
        Deployment d = plan.measuredDeployment();
        assertEquals("offline", plan.scenario());
        assertEquals("prompt 100, output 11", plan.lengthMix());
        assertEquals(Basis.MEASURED, d.basis());
        assertTrue(d.feasible());
        assertEquals(2, d.operatingPoint().batch());
        close(2.0, d.operatingPoint().requestsPerSecond(), "req/s per GPU");
        assertEquals(63, d.gpus());
        double u = 100.0 / 126; // 0.793651
        close(u, d.expectedUtilization(), "utilization");
        PlanCost c = d.cost();
        close(6.155, c.usdPerGpuHour(), "price");
        close(u, c.utilization(), "cost utilization");
        close(283_068.45, c.usdPerMonth(), "USD per month");
        // Per query: 6.155 / 3600 / (2.0 x 100/126) = 6.155 x 126 / 720,000 = 0.001077125 $.
        close(0.001077125, c.usdPerQuery(), "USD per query");
        // Per 1M output tokens: 6.155 x 1e6 / (3600 x 22 x 100/126) = 97.9204545... $.
        close(6.155e6 * 126 / (3600 * 2200.0), c.usdPerMillionOutput(), "USD per 1M output");
        // Per 1M input tokens: the same with 200 tok/s = 10.77125 $; total with 222 tok/s = 9.7038288... $.
        close(10.77125, c.usdPerMillionInput(), "USD per 1M input");
        close(6.155e6 * 126 / (3600 * 22_200.0), c.usdPerMillionTotal(), "USD per 1M total");
        // Every paid hour is charged to the traffic served: per query x queries per month = the monthly bill.
        close(c.usdPerMonth(), c.usdPerQuery() * 100 * 3600 * CapacityPlan.HOURS_PER_MONTH, "bill");
        assertEquals(List.of(), plan.points().get(0).violations());
        assertFalse(plan.mixApproximated());
    }

    /** Batch 1: 3.33 req/s, TPOT 20. Batch 4: 5.71 req/s, TPOT 40. Batch 16: 9.41 req/s, TPOT 80 (output 11). */
    private static Result threeBatches(double... batch4Ttfts) {
        return result(H100, point(1, 100, 11, 20, 100, 100, 100), point(4, 100, 11, 40, batch4Ttfts),
                point(16, 100, 11, 80, 900, 900, 900));
    }

    private static CapacityPlan plan(Result r, Constraints c) {
        return CapacityPlan.of(r, "three.json", inputs(10, 0.8, c, null));
    }

    @Test
    void theOperatingPointIsTheLargestThroughputThatMeetsTheConstraints() {
        Result r = threeBatches(300, 300, 300);
        assertEquals(16, plan(r, Constraints.NONE).measuredDeployment().operatingPoint().batch());
        assertEquals(16, plan(r, new Constraints(null, 100.0)).measuredDeployment().operatingPoint().batch());
        // TPOT p99 80 ms > 50: batch 16 is out; batch 4 (40 ms) is the fastest left.
        assertEquals(4, plan(r, new Constraints(null, 50.0)).measuredDeployment().operatingPoint().batch());
        // TTFT p99 900 ms > 500: the same.
        assertEquals(4, plan(r, new Constraints(500.0, null)).measuredDeployment().operatingPoint().batch());
        // Both: TTFT allows batch 4 but TPOT 30 allows only batch 1.
        CapacityPlan both = plan(r, new Constraints(500.0, 30.0));
        assertEquals(1, both.measuredDeployment().operatingPoint().batch());
        assertEquals(List.of("TTFT p99 900 ms > 500 ms", "TPOT p99 80 ms > 30 ms"),
                both.points().get(2).violations());
        assertFalse(both.points().get(1).meets());
        assertTrue(both.points().get(0).meets());
    }

    @Test
    void theConstraintIsOnTheP99NotTheMedian() {
        // Batch 4's TTFTs 300, 300, 400: median 300, p99 (type 7) 300 + 0.98 x 100 = 398 ms.
        Result r = threeBatches(300, 300, 400);
        close(398, plan(r, Constraints.NONE).points().get(1).estimate().ttftP99Ms(), "p99");
        // A 350 ms limit: the median would meet it, the p99 does not, so batch 1 is chosen.
        assertEquals(1, plan(r, new Constraints(350.0, null)).measuredDeployment().operatingPoint().batch());
        assertEquals(4, plan(r, new Constraints(400.0, null)).measuredDeployment().operatingPoint().batch());
    }

    @Test
    void noFeasiblePointGivesTheClosestWithoutAGpuCount() {
        // TPOT 10 ms: batch 1 (20 ms, twice the limit) is the closest; batch 4 is 4x, batch 16 8x.
        CapacityPlan p = plan(threeBatches(300, 300, 300), new Constraints(null, 10.0));
        assertFalse(p.feasible());
        Deployment d = p.measuredDeployment();
        assertFalse(d.feasible());
        assertEquals(1, d.operatingPoint().batch());
        assertNull(d.gpus());
        assertNull(d.cost());
        assertTrue(Double.isNaN(d.expectedUtilization()));
        assertTrue(d.notes().get(0).contains("no point meets the constraints"), d.notes().toString());
    }

    @Test
    void chooseOnItsOwn() {
        PointEstimate a = OfflinePlanBasis.measured(point(1, 10, 5, 10, 50, 50));
        PointEstimate b = OfflinePlanBasis.measured(point(8, 10, 5, 20, 100, 100));
        assertSame(b, CapacityPlan.choose(List.of(a, b), Constraints.NONE).point());
        assertSame(a, CapacityPlan.choose(List.of(a, b), new Constraints(null, 15.0)).point());
        CapacityPlan.Choice none = CapacityPlan.choose(List.of(a, b), new Constraints(10.0, null));
        assertSame(a, none.point());
        assertFalse(none.feasible());
        assertNull(CapacityPlan.choose(List.of(), Constraints.NONE));
    }

    @Test
    void aMeasurementErrorIsLeftOutAndSaid() {
        Result r = result(H100, point(1, 100, 11, 20, 100, 100), violating(16, 100, 11, 80, 900, 900));
        CapacityPlan p = plan(r, Constraints.NONE);
        assertEquals(1, p.points().size());
        assertEquals(1, p.measuredDeployment().operatingPoint().batch());
        assertTrue(p.notes().stream().anyMatch(n -> n.startsWith("batch 16, prompt 100, output 11: left out,"
                + " MEASUREMENT ERROR")), p.notes().toString());
        Result allBad = result(H100, violating(16, 100, 11, 80, 900, 900));
        assertThrows(TokenmeterException.class, () -> plan(allBad, Constraints.NONE));
    }

    @Test
    void projectionsToOtherGpusFromTheMeasuredOne() {
        CapacityPlan plan = CapacityPlan.of(result(H100, twoPerSecond()), "hand.json",
                inputs(100, 0.8, Constraints.NONE, PricePresets.get("h100")));
        // The measured H100 is its own row; the catalog's H100 SXM is not repeated.
        List<String> names = plan.deployments().stream().map(Deployment::gpu).toList();
        assertEquals(List.of("NVIDIA H100 80GB HBM3 (H100 SXM)", "H200 SXM", "B200", "GB200", "Rubin"), names);

        // H200: decode 700 ms x 3.35/4.8 = 488.54 ms, prefill 300 ms x 989.4/989.4 = 300 ms: a trial of 788.54 ms,
        // 2 / 0.78854 = 2.5363 req/s; GPUs = ceil(100 / (2.5363 x 0.8) = 49.28) = 50, at the H200 preset's price.
        Deployment h200 = plan.deployments().get(1);
        assertEquals(Basis.PROJECTION, h200.basis());
        close(2000 / 788.5416666666667, h200.operatingPoint().requestsPerSecond(), "H200 req/s");
        close(70 * 3.35 / 4.8, h200.operatingPoint().tpotP99Ms(), "H200 TPOT");
        close(300, h200.operatingPoint().ttftP99Ms(), "H200 TTFT");
        assertEquals(50, h200.gpus());
        close(6.305, h200.cost().usdPerGpuHour(), "H200 price");
        close(730 * 50 * 6.305, h200.cost().usdPerMonth(), "H200 month");
        assertEquals(GpuCatalog.H200_SXM.source(), h200.figuresSource());

        // B200: prefill 300 x 989.4/2250 = 131.92 ms, decode 700 x 3.35/8 = 293.125 ms: 2 / 0.425045 = 4.7054 req/s.
        Deployment b200 = plan.deployments().get(2);
        close(2000 / 425.045, b200.operatingPoint().requestsPerSecond(), "B200 req/s");
        close(131.92, b200.operatingPoint().ttftP99Ms(), "B200 TTFT");
        close(8.60, b200.cost().usdPerGpuHour(), "B200 price");
    }

    @Test
    void rubinIsProjectedForDecodeOnlyWithoutPriceOrGpuCount() {
        CapacityPlan plan = CapacityPlan.of(result(H100, twoPerSecond()), "hand.json",
                inputs(100, 0.8, new Constraints(2000.0, 100.0), PricePresets.get("h100")));
        Deployment rubin = plan.deployments().get(4);
        assertEquals("Rubin", rubin.gpu());
        assertEquals(Basis.PROJECTION_DECODE_ONLY, rubin.basis());
        assertEquals("PROJECTION, decode only", rubin.basis().label());
        assertNull(rubin.bf16Flops());
        // TPOT 70 ms x 3.35/13 = 18.04 ms; decode tok/s 2 / 18.04 ms = 110.87.
        close(70 * 3.35 / 22, rubin.operatingPoint().tpotP99Ms(), "Rubin TPOT");
        close(2000 / (70 * 3.35 / 22), rubin.operatingPoint().decodeTokensPerSecond(), "Rubin decode tok/s");
        assertTrue(Double.isNaN(rubin.operatingPoint().ttftP99Ms()));
        assertTrue(Double.isNaN(rubin.operatingPoint().requestsPerSecond()));
        assertNull(rubin.gpus());
        assertNull(rubin.cost());
        assertTrue(rubin.notes().contains("TTFT limit not checked: not projected"), rubin.notes().toString());
        assertTrue(rubin.notes().stream().anyMatch(n -> n.startsWith("decode only: no dense bf16")),
                rubin.notes().toString());
        assertTrue(rubin.figuresSource().contains("GTC 2025"), rubin.figuresSource());
    }

    @Test
    void aGpuWithoutDatasheetIsProjectedFromItsMeasuredCeilingsAndSaysSo() {
        CapacityPlan plan = CapacityPlan.of(result(UNKNOWN_GPU, twoPerSecond()), "unknown.json",
                inputs(100, 0.8, Constraints.NONE, null));
        // No catalog row is the measured device: all five GPUs are projected.
        assertEquals(6, plan.deployments().size());
        Deployment measured = plan.measuredDeployment();
        assertEquals("NVIDIA Test GPU", measured.gpu());
        assertNull(measured.cost(), "no preset matches an unknown GPU, none was given and the result records none");
        assertNull(plan.price());
        assertTrue(measured.notes().get(0).startsWith("no price: no price preset matches"),
                measured.notes().toString());
        // H100 from measured 2.0 TB/s / 500 TFLOP/s: decode 700 x 2/3.35, prefill 300 x 500/989.4.
        Deployment h100 = plan.deployments().get(1);
        assertEquals("H100 SXM", h100.gpu());
        close(2000 / (300 * 500 / 989.4 + 700 * 2.0 / 3.35), h100.operatingPoint().requestsPerSecond(), "req/s");
        assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("the measured device has no datasheet figures")),
                plan.notes().toString());
    }

    @Test
    void aCpuResultIsPlannedButNotProjected() {
        CapacityPlan plan = CapacityPlan.of(result(CPU, twoPerSecond()), "cpu.json",
                inputs(1, 0.8, Constraints.NONE, null));
        assertEquals(1, plan.deployments().size());
        assertEquals("cpu", plan.price().label());
        // 1 / (2.0 x 0.8) = 0.625 -> 1 instance.
        assertEquals(1, plan.measuredDeployment().gpus());
        assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("no projection to GPUs")), plan.notes().toString());
    }

    @Test
    void anotherLengthMixIsAnApproximationWithinFourTimes() {
        Result r = result(H100, twoPerSecond());
        // Prompt 200, output 21: prefill 300 x 2 = 600 ms, decode 20 x 70 = 1400 ms: 2 / 2.0 s = 1.0 req/s.
        CapacityPlan p = CapacityPlan.of(r, "hand.json", new PlanInputs(10, 200, 21, Constraints.NONE, 0.8, null));
        assertTrue(p.mixApproximated());
        assertEquals(100, p.measuredPromptLength());
        assertEquals(11, p.measuredOutputLength());
        close(1.0, p.measuredDeployment().operatingPoint().requestsPerSecond(), "req/s");
        assertEquals(13, p.measuredDeployment().gpus()); // ceil(10 / 0.8 = 12.5)
        assertTrue(p.notes().get(0).startsWith("APPROXIMATION: the result measured prompt 100 / output 11"),
                p.notes().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CapacityPlan.of(r,
                "hand.json", new PlanInputs(10, 401, 11, Constraints.NONE, 0.8, null)));
        assertTrue(e.getMessage().contains("more than 4 times away"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CapacityPlan.of(r, "hand.json",
                new PlanInputs(10, 100, 45, Constraints.NONE, 0.8, null)));
        // Exactly 4 times is still estimated.
        assertTrue(CapacityPlan.of(r, "hand.json", new PlanInputs(10, 400, 44, Constraints.NONE, 0.8, null))
                .mixApproximated());
    }

    @Test
    void theNearestMeasuredMixIsUsedAndSeveralMixesNeedAChoice() {
        Result r = result(H100, point(2, 100, 11, 70, 300, 300), point(2, 1000, 11, 70, 3000, 3000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CapacityPlan.of(r, "two.json", new PlanInputs(10, null, null, Constraints.NONE, 0.8, null)));
        assertTrue(e.getMessage().contains("prompt lengths [100, 1000]"), e.getMessage());
        CapacityPlan exact = CapacityPlan.of(r, "two.json", new PlanInputs(10, 1000, null, Constraints.NONE, 0.8,
                null));
        assertFalse(exact.mixApproximated());
        close(3000, exact.measuredDeployment().operatingPoint().ttftP99Ms(), "TTFT of the 1000-token point");
        CapacityPlan near = CapacityPlan.of(r, "two.json", new PlanInputs(10, 800, null, Constraints.NONE, 0.8,
                null));
        assertEquals(1000, near.measuredPromptLength());
    }

    @Test
    void inputsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> inputs(0, 0.8, Constraints.NONE, null));
        assertThrows(IllegalArgumentException.class, () -> inputs(Double.NaN, 0.8, Constraints.NONE, null));
        assertThrows(IllegalArgumentException.class, () -> inputs(1, 0, Constraints.NONE, null));
        assertThrows(IllegalArgumentException.class, () -> inputs(1, 1.01, Constraints.NONE, null));
        assertThrows(IllegalArgumentException.class, () -> new Constraints(0.0, null));
        assertThrows(IllegalArgumentException.class, () -> new Constraints(null, Double.POSITIVE_INFINITY));
    }

    @Test
    void eachScenarioIsPlannedFromItsOwnBasis() {
        PlanInputs in = inputs(10, 0.8, Constraints.NONE, null);
        PlanBasis offline = PlanBasis.of(result(H100, twoPerSecond()), "o.json", in);
        assertInstanceOf(OfflinePlanBasis.class, offline);
        // Offline points are projected prefill and decode apart; a serving run's steps mix both.
        assertFalse(offline.wholeRunProjection());
        PlanBasis serving = PlanBasis.of(servingResult(H100, servingPoint(2, 200, 0, 100, 1024, 128, 150, 300, 30,
                40, false)), "s.json", in);
        assertInstanceOf(ServingPlanBasis.class, serving);
        assertTrue(serving.wholeRunProjection());
    }

    @Test
    void aResultThePlanCannotReadIsRefused() {
        Result r = result(H100, twoPerSecond());
        // The scenario is now the spec's, and a result holds points of its scenario only, so the old refusal of a
        // "serving" result holding offline points has nothing left to refuse; what the plan relies on is that a
        // result hands out its points only as their own type.
        assertThrows(IllegalArgumentException.class, () -> r.points(ServingPoint.class));
        // An offline result without points.
        Result none = Result.of(r.startedAt(), r.finishedAt(), false, r.spec(), r.environment(), List.of(),
                List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan(none,
                Constraints.NONE));
        assertEquals("three.json: the result has no measured point", e.getMessage());
        // A point without metrics is not a figure to plan from.
        OfflinePoint p = twoPerSecond();
        OfflinePoint noMetrics = new OfflinePoint(p.batch(), p.promptLength(), p.outputLength(), 0, p.trials(), null,
                null, null, null, List.of());
        assertThrows(IllegalArgumentException.class, () -> OfflinePlanBasis.measured(noMetrics));
        CapacityPlan left = plan(result(H100, noMetrics, point(4, 100, 11, 40, 300, 300)), Constraints.NONE);
        assertEquals(4, left.measuredDeployment().operatingPoint().batch());
        assertTrue(left.notes().contains("batch 2, prompt 100, output 11: left out, no metrics"),
                left.notes().toString());
    }
}
