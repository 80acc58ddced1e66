package dev.tokenmeter.serving.metrics;

import static dev.tokenmeter.serving.metrics.Timelines.done;
import static dev.tokenmeter.serving.metrics.Timelines.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.serving.RequestRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Goodput (per request) and the percentile check (per run) on {@link ServingMetricsTest#THREE}: per request
 * TTFT 100, 150, 300; TPOT 30, 20, none; largest gap 40, 40, none; E2E 160, 210, 300 ms; duration 0.4 s.
 */
class SloReportTest {
    private static final double EPS = 1e-9;
    private static final ServingMetrics THREE = ServingMetrics.of(ServingMetricsTest.THREE);

    private static SloReport report(String slo) {
        return SloReport.of(THREE, SloSet.parse(slo));
    }

    @Test
    void goodputCountsRequestsThatMetEveryLimit() {
        // R0: TTFT 100 ok, TPOT 30 > 25. R1: 150 ok, 20 ok. R2: TTFT 300 > 200. One good request in 0.4 s.
        SloReport r = report("ttft=200ms,tpot=25ms");
        assertEquals(1, r.goodRequests());
        assertEquals(2.5, r.goodput(), EPS);
        assertEquals(1.0 / 3, r.goodFraction(), EPS);
        assertEquals(3, r.completed());
        assertEquals(0, r.incomplete());
    }

    @Test
    void limitsAreInclusiveAndOneTokenMeetsTpot() {
        // R0's TPOT is exactly 30, R2's TTFT exactly 300, and R2 (one token) has no TPOT to break: all 3 good.
        SloReport r = report("ttft=300ms,tpot=30ms");
        assertEquals(3, r.goodRequests());
        assertEquals(7.5, r.goodput(), EPS);
        assertEquals(1.0, r.goodFraction(), EPS);
        // A hair under R2's TTFT: R2 is out.
        assertEquals(2, report("ttft=299.999ms,tpot=30ms").goodRequests());
        // A hair under R0's TPOT: R0 is out.
        assertEquals(2, report("ttft=300ms,tpot=29.999ms").goodRequests());
    }

    @Test
    void itlIsJudgedOnEachRequestsLargestGap() {
        // Both multi-token requests have a 40 ms gap, though their TPOTs (30, 20) are under 30: only R2 (no gap)
        // meets itl 30 ms, every request meets itl 40 ms.
        assertEquals(1, report("itl=30ms").goodRequests());
        assertEquals(3, report("tpot=30ms").goodRequests());
        assertEquals(3, report("itl=40ms").goodRequests());
    }

    @Test
    void e2eIsJudgedPerRequest() {
        // E2E 160, 210, 300.
        assertEquals(1, report("e2e=200ms").goodRequests());
        assertEquals(2, report("e2e=0.25s").goodRequests());
    }

    @Test
    void theRunLevelCheckUsesEachPercentile() {
        // TTFT {100, 150, 300}: p50 150, p90 270, p99 at rank 1.98 = 150 + 0.98 · 150 = 297.
        SloReport median = report("ttft:p50=150ms");
        assertTrue(median.meetsSlo());
        assertEquals(150, median.checks().get(0).measuredMs(), EPS);
        SloReport p90 = report("ttft:p90=150ms");
        assertFalse(p90.meetsSlo());
        assertEquals(270, p90.checks().get(0).measuredMs(), EPS);
        assertEquals(297, report("ttft=150ms").checks().get(0).measuredMs(), EPS);
        // Same limit, two answers: the run misses TTFT p90 ≤ 150 ms, yet two requests of three met 150 ms.
        assertEquals(2, p90.goodRequests());
    }

    @Test
    void everyCheckIsListedAndAllMustPass() {
        // TPOT {20, 30}: p99 at rank 0.99 = 29.9. ITL pooled {10, 10, 20, 40, 40}: p99 at rank 3.96 = 40.
        // E2E {160, 210, 300}: p90 at rank 1.8 = 210 + 0.8 · 90 = 282.
        SloReport r = report("tpot=29.9ms,itl=40ms,e2e:p90=282ms");
        assertEquals(3, r.checks().size());
        assertEquals(29.9, r.checks().get(0).measuredMs(), EPS);
        assertEquals(40, r.checks().get(1).measuredMs(), EPS);
        assertEquals(282, r.checks().get(2).measuredMs(), EPS);
        assertTrue(r.meetsSlo());
        SloReport missed = report("tpot=29.8ms,itl=40ms,e2e:p90=282ms");
        assertFalse(missed.meetsSlo());
        assertFalse(missed.checks().get(0).met());
        assertTrue(missed.checks().get(1).met());
        assertTrue(missed.checks().get(2).met());
    }

    @Test
    void tpotAndItlAreVacuouslyMetWhenEveryRequestHadOneToken() {
        ServingMetrics m = ServingMetrics.of(List.of(done(0, 0, 8, 100), done(1, 0, 8, 300)));
        SloReport r = SloReport.of(m, SloSet.parse("tpot=1ms,itl=1ms"));
        assertTrue(r.meetsSlo());
        assertTrue(Double.isNaN(r.checks().get(0).measuredMs()));
        assertEquals(2, r.goodRequests());
    }

    @Test
    void incompleteRequestsAreReportedNotJudged() {
        List<RequestRecord> records = new ArrayList<>(ServingMetricsTest.THREE);
        records.add(request(3, 20, 50, 5, 450, 500));
        SloReport r = SloReport.of(ServingMetrics.of(records), SloSet.parse("ttft=200ms,tpot=25ms"));
        // As on the three completed requests alone: 1 good in 0.4 s, 1 of 3; the incomplete one is counted apart.
        assertEquals(1, r.goodRequests());
        assertEquals(2.5, r.goodput(), EPS);
        assertEquals(1.0 / 3, r.goodFraction(), EPS);
        assertEquals(1, r.incomplete());
    }

    @Test
    void recordsCheckThemselves() {
        SloSet s = SloSet.parse("ttft=1s");
        assertThrows(IllegalArgumentException.class, () -> new SloReport(s, 4, 3, 0, 1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SloReport(s, 0, 0, 0, 1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SloReport(s, 1, 3, -1, 1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SloReport(s, 1, 3, 0, 0, List.of()));
    }
}
