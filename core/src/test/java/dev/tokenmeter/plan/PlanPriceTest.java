package dev.tokenmeter.plan;

import static dev.tokenmeter.plan.PlanFixtures.H100;
import static dev.tokenmeter.plan.PlanFixtures.UNKNOWN_GPU;
import static dev.tokenmeter.plan.PlanFixtures.point;
import static dev.tokenmeter.plan.PlanFixtures.pricedServingResult;
import static dev.tokenmeter.plan.PlanFixtures.result;
import static dev.tokenmeter.plan.PlanFixtures.servingPoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import org.junit.jupiter.api.Test;

/**
 * Which price the measured device is planned at: the one asked for, else the one the result's run recorded, else
 * the device's preset. A result measured at a user's price of 2.5 $/h used to be planned at the device's preset,
 * so that the plan's costs disagreed with the run's own; it is now planned at 2.5 unless another price is asked.
 */
class PlanPriceTest {
    private static final double EPS = 1e-9;
    private static final Price RECORDED = Price.user(2.5);

    /** Batch 2, prompt 100, output 11: 2.0 req/s per GPU, 200 input and 22 output tok/s (see CapacityPlanTest). */
    private static OfflinePoint twoPerSecond() {
        return point(2, 100, 11, 70, 300, 300, 300);
    }

    /** 100 req/s at 80%: 63 GPUs, at an expected utilization of 100 / 126. */
    private static CapacityPlan plan(Result r, Price asked) {
        return CapacityPlan.of(r, "priced.json", new PlanInputs(100, null, null, Constraints.NONE, 0.8, asked));
    }

    private static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.abs(expected) * EPS, what);
    }

    @Test
    void aResultIsPlannedAtThePriceItsRunRecorded() {
        CapacityPlan plan = plan(result(H100, RECORDED, twoPerSecond()), null);
        assertSame(RECORDED, plan.price());
        PlanCost c = plan.measuredDeployment().cost();
        close(2.5, c.usdPerGpuHour(), "price");
        assertEquals("user", c.priceLabel());
        assertEquals("set by the user", c.priceSource());
        close(730 * 63 * 2.5, c.usdPerMonth(), "USD per month");
        // Per query: 2.5 / 3600 / (2.0 x 100/126).
        close(2.5 * 126 / 720_000, c.usdPerQuery(), "USD per query");
        assertFalse(plan.measuredDeployment().notes().stream().anyMatch(n -> n.startsWith("no price")),
                plan.measuredDeployment().notes().toString());
        // The recorded price is the measured device's only: a projected GPU keeps its own preset.
        Deployment h200 = plan.deployments().get(1);
        assertEquals("H200 SXM", h200.gpu());
        close(6.305, h200.cost().usdPerGpuHour(), "H200 price");
        String s = PlanRenderer.console(plan);
        assertTrue(s.contains("price        $2.500 per GPU-hour, user (set by the user)\n"), s);
        assertTrue(s.contains("(63 GPUs x $2.500 x 730 h)"), s);
    }

    @Test
    void theSameResultWithoutARecordedPriceIsPlannedAtThePreset() {
        CapacityPlan plan = plan(result(H100, twoPerSecond()), null);
        assertEquals(PricePresets.get("h100"), plan.price());
        close(6.155, plan.measuredDeployment().cost().usdPerGpuHour(), "H100 preset");
        assertEquals("H100", plan.measuredDeployment().cost().priceLabel());
    }

    @Test
    void anAskedPriceWinsOverTheRecordedOne() {
        Price asked = Price.user(4.0);
        CapacityPlan plan = plan(result(H100, RECORDED, twoPerSecond()), asked);
        assertSame(asked, plan.price());
        close(4.0, plan.measuredDeployment().cost().usdPerGpuHour(), "asked price");
        close(730 * 63 * 4.0, plan.measuredDeployment().cost().usdPerMonth(), "USD per month");
        // A preset asked by name wins too.
        CapacityPlan preset = plan(result(H100, RECORDED, twoPerSecond()), PricePresets.get("h200"));
        close(6.305, preset.measuredDeployment().cost().usdPerGpuHour(), "asked preset");
    }

    @Test
    void aRecordedPriceCostsADeviceNoPresetCovers() {
        CapacityPlan plan = plan(result(UNKNOWN_GPU, RECORDED, twoPerSecond()), null);
        assertSame(RECORDED, plan.price());
        close(730 * 63 * 2.5, plan.measuredDeployment().cost().usdPerMonth(), "USD per month");
        assertFalse(plan.measuredDeployment().notes().stream().anyMatch(n -> n.startsWith("no price")),
                plan.measuredDeployment().notes().toString());
    }

    @Test
    void theRecordedPricesUtilizationGivesWayToThePlans() {
        // The run's own cost figures were divided by its utilization of 0.5; the plan divides by the expected one.
        Price halfUsed = RECORDED.withUtilization(0.5);
        PlanCost c = plan(result(H100, halfUsed, twoPerSecond()), null).measuredDeployment().cost();
        close(100.0 / 126, c.utilization(), "utilization");
        close(2.5 * 126 / 720_000, c.usdPerQuery(), "USD per query");
    }

    @Test
    void aServingResultIsPlannedAtItsRecordedPriceToo() {
        // 200 requests in 52 s: 3.846 req/s per GPU; 100 req/s at 80% takes 33 GPUs.
        Result r = pricedServingResult(H100, 1.0, RECORDED, servingPoint(4, 200, 0, 52, 1024, 128, 400, 900, 50, 70,
                false));
        CapacityPlan plan = CapacityPlan.of(r, "s.json", new PlanInputs(100, null, null, Constraints.NONE, 0.8,
                null));
        assertSame(RECORDED, plan.price());
        assertEquals(33, plan.measuredDeployment().gpus());
        close(730 * 33 * 2.5, plan.measuredDeployment().cost().usdPerMonth(), "USD per month");
        Price asked = Price.user(4.0);
        CapacityPlan askedPlan = CapacityPlan.of(r, "s.json", new PlanInputs(100, null, null, Constraints.NONE,
                0.8, asked));
        close(730 * 33 * 4.0, askedPlan.measuredDeployment().cost().usdPerMonth(), "asked USD per month");
        Result unpriced = pricedServingResult(H100, 1.0, null, servingPoint(4, 200, 0, 52, 1024, 128, 400, 900, 50, 70,
                false));
        CapacityPlan preset = CapacityPlan.of(unpriced, "s.json", new PlanInputs(100, null, null, Constraints.NONE,
                0.8, null));
        close(730 * 33 * 6.155, preset.measuredDeployment().cost().usdPerMonth(), "preset USD per month");
    }
}
