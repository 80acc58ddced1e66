package dev.tokenmeter.plan;

import static dev.tokenmeter.plan.PlanFixtures.H100;
import static dev.tokenmeter.plan.PlanFixtures.point;
import static dev.tokenmeter.plan.PlanFixtures.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.result.ResultJson;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console report and the JSON of the hand-worked plan: 2.0 req/s per GPU, 100 req/s at 80%. */
class PlanRendererTest {
    @TempDir
    Path dir;

    private static CapacityPlan plan(Constraints c) {
        return CapacityPlan.of(result(H100, point(2, 100, 11, 70, 300, 300, 300)), "hand.json",
                new PlanInputs(100, null, null, c, 0.8, PricePresets.get("h100")));
    }

    private static void contains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n" + text);
    }

    @Test
    void consoleShowsTheArithmeticAndLabelsProjections() {
        String s = PlanRenderer.console(plan(Constraints.NONE));
        contains(s, "workload     100 req/s, prompt 100 + output 11 tokens per request (as measured)");
        contains(s, "plan on NVIDIA H100 80GB HBM3 (H100 SXM), measured: batch 2, 2.000 req/s per GPU");
        contains(s, "GPUs         63 = ceil(100 / (2.000 x 0.8) = 62.50), expected utilization 79.4%");
        contains(s, "$283,068 per month (63 GPUs x $6.155 x 730 h)");
        contains(s, "$0.00108 per query; per 1M tokens: $97.9 output, $10.8 input, $9.70 total (at 79.4% utilization)");
        contains(s, "H200 SXM                          PROJECTION");
        contains(s, "PROJECTION, decode only");
        contains(s, "Rubin: NVIDIA announcement (CES 2026");
        contains(s, "\n- PROJECTION rows are estimates, not measurements");
        contains(s, "\n- from offline static batches: TTFT is a whole batch's prefill");
        String rubinRow = s.lines().filter(l -> l.startsWith("Rubin ")).findFirst().orElseThrow();
        contains(rubinRow, "unknown");
    }

    @Test
    void consoleSaysLoudlyWhenNothingIsFeasible() {
        String s = PlanRenderer.console(plan(new Constraints(null, 50.0)));
        contains(s, "!! NO FEASIBLE POINT: no measured batch size meets TPOT p99 <= 50 ms");
        contains(s, "closest: batch 2, TTFT p99 300.0 ms, TPOT p99 70.00 ms");
        contains(s, "measured, NOT FEASIBLE");
    }

    @Test
    void jsonHoldsThePlan() throws Exception {
        Path file = dir.resolve("plan.json");
        PlanRenderer.writeJson(plan(Constraints.NONE), file);
        JsonNode n = ResultJson.mapper().readTree(Files.readString(file));
        assertEquals("capacity-plan", n.get("kind").asText());
        assertEquals(1, n.get("planVersion").asInt());
        assertEquals(63, n.at("/deployments/0/gpus").asInt());
        assertEquals("MEASURED", n.at("/deployments/0/basis").asText());
        assertEquals(283_068.45, n.at("/deployments/0/cost/usdPerMonth").asDouble(), 1e-6);
        assertEquals("Rubin", n.at("/deployments/4/gpu").asText());
        assertEquals("PROJECTION_DECODE_ONLY", n.at("/deployments/4/basis").asText());
        assertTrue(n.at("/deployments/4/gpus").isNull());
        assertTrue(n.at("/deployments/4/bf16Flops").isNull());
        assertEquals("NaN", n.at("/deployments/4/operatingPoint/requestsPerSecond").asText());
        assertTrue(n.at("/points/0/meets").asBoolean());
    }
}
