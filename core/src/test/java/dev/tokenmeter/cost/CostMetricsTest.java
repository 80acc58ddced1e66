package dev.tokenmeter.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.TrialRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DESIGN's cost formulas on round numbers. */
class CostMetricsTest {
    private static final double EPS = 1e-12;
    private static final Price H100 = new Price(6.155, "H100", "test list", "2026", 1.0);

    @Test
    void perMillionTokensAndPerQuery() {
        // 1000 output tok/s for an hour is 3.6e6 tokens for $6.155: 6.155e6 / 3.6e6 = $1.7097 per million.
        CostMetrics c = CostMetrics.of(H100, 2.0, 4000.0, 1000.0, 1);
        assertEquals(6.155e6 / 3.6e6, c.usdPerMillionOutput(), EPS);
        assertEquals(1.7097, c.usdPerMillionOutput(), 1e-4);
        assertEquals(6.155e6 / (3600 * 4000.0), c.usdPerMillionInput(), EPS);
        assertEquals(6.155e6 / (3600 * 5000.0), c.usdPerMillionTotal(), EPS);
        // 2 queries per second: an hour serves 7200 of them.
        assertEquals(6.155 / 3600 / 2, c.usdPerQuery(), EPS);
        assertEquals(6.155, c.usdPerHour(), EPS);
        assertEquals(1.0, c.utilization(), EPS);
        assertEquals("H100", c.priceLabel());
        assertEquals("test list", c.priceSource());
    }

    @Test
    void halfUtilizationDoublesEveryCost() {
        CostMetrics full = CostMetrics.of(H100, 2.0, 4000.0, 1000.0, 1);
        CostMetrics half = CostMetrics.of(H100.withUtilization(0.5), 2.0, 4000.0, 1000.0, 1);
        assertEquals(2 * full.usdPerQuery(), half.usdPerQuery(), EPS);
        assertEquals(2 * full.usdPerMillionOutput(), half.usdPerMillionOutput(), EPS);
        assertEquals(2 * full.usdPerMillionInput(), half.usdPerMillionInput(), EPS);
        assertEquals(2 * full.usdPerMillionTotal(), half.usdPerMillionTotal(), EPS);
        // The hourly price itself is what was paid, not what it is divided into.
        assertEquals(6.155, half.usdPerHour(), EPS);
        assertEquals(0.5, half.utilization(), EPS);
    }

    @Test
    void ratesAreSharedOverDevices() {
        // 8 devices at 8000 tok/s together cost per token what one device at 1000 tok/s does.
        CostMetrics eight = CostMetrics.of(H100, 16.0, 32000.0, 8000.0, 8);
        CostMetrics one = CostMetrics.of(H100, 2.0, 4000.0, 1000.0, 1);
        assertEquals(one.usdPerMillionOutput(), eight.usdPerMillionOutput(), EPS);
        assertEquals(one.usdPerQuery(), eight.usdPerQuery(), EPS);
    }

    @Test
    void aPointIsCostedAtItsMedianRates() {
        // Batch 2, prompt 5, output 4; durations 0.16 s, 0.4 s and 0.26 s: median output rate 8 / 0.26 tok/s,
        // input 10 / 0.26, requests 2 / 0.26.
        PointMetrics m = PointMetrics.offline(2, 5, 4, List.of(
                new TrialRecord(100, new double[] {10, 20, 30}, 0, 0),
                new TrialRecord(300, new double[] {30, 30, 40}, 0, 0),
                new TrialRecord(200, new double[] {20, 20, 20}, 0, 0)));
        CostMetrics c = CostMetrics.of(H100, m);
        assertEquals(6.155e6 / (3600 * (8 / 0.26)), c.usdPerMillionOutput(), 1e-9);
        assertEquals(6.155e6 / (3600 * (10 / 0.26)), c.usdPerMillionInput(), 1e-9);
        assertEquals(6.155e6 / (3600 * (18 / 0.26)), c.usdPerMillionTotal(), 1e-9);
        assertEquals(6.155 / 3600 / (2 / 0.26), c.usdPerQuery(), 1e-12);
    }

    @Test
    void badPricesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Price.user(-1));
        assertThrows(IllegalArgumentException.class, () -> Price.user(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Price.user(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> H100.withUtilization(0));
        assertThrows(IllegalArgumentException.class, () -> H100.withUtilization(1.5));
        assertThrows(IllegalArgumentException.class, () -> H100.withUtilization(Double.NaN));
        assertEquals(0.0, Price.user(0).usdPerHour());
    }
}
