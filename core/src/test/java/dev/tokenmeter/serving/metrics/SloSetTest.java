package dev.tokenmeter.serving.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --slo} text, read and written back, and every way it can be wrong. */
class SloSetTest {
    @Test
    void withoutPercentilesEachIsP99() {
        SloSet s = SloSet.parse("ttft=500ms,tpot=50ms");
        assertEquals(List.of(new Slo(SloMetric.TTFT, 99, 500), new Slo(SloMetric.TPOT, 99, 50)), s.slos());
        assertEquals(99, Slo.DEFAULT_PERCENTILE);
        assertEquals(Slo.of(SloMetric.TTFT, 500), s.slos().get(0));
    }

    @Test
    void percentilesAndSecondsInEveryMetric() {
        SloSet s = SloSet.parse("ttft:p99=2s,tpot:p99=100ms,e2e:p90=10s,itl:p50=0.5s");
        assertEquals(List.of(new Slo(SloMetric.TTFT, 99, 2000), new Slo(SloMetric.TPOT, 99, 100),
                new Slo(SloMetric.E2E, 90, 10_000), new Slo(SloMetric.ITL, 50, 500)), s.slos());
    }

    @Test
    void caseAndSpacesDoNotMatter() {
        SloSet s = SloSet.parse(" TTFT : P95 = 1.5 S , itl=.25s ");
        assertEquals(List.of(new Slo(SloMetric.TTFT, 95, 1500), new Slo(SloMetric.ITL, 99, 250)), s.slos());
    }

    @Test
    void describeReadsBackTheSameSet() {
        SloSet s = SloSet.parse("ttft=2s,tpot:p90=2.5ms,e2e:p50=0.0125s");
        assertEquals("ttft:p99=2000ms,tpot:p90=2.5ms,e2e:p50=12.5ms", s.describe());
        assertEquals(s, SloSet.parse(s.describe()));
    }

    /** Each bad text: the error names --slo, the offending piece, what was wrong, and what is accepted. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ttft=500                   | ttft=500          | has no unit (write 500ms or 500s)",
        "ttft=500us                 | ttft=500us        | unknown unit 'us'",
        "tpot=50 min                | tpot=50 min       | unknown unit 'min'",
        "ttft=1s,foo=1s             | foo=1s            | unknown metric 'foo'",
        "ttft:p98=1s                | ttft:p98=1s       | unsupported percentile 'p98'",
        "ttft:99=1s                 | ttft:99=1s        | '99' is not a percentile",
        "ttft:p99:p50=1s            | ttft:p99:p50=1s   | 'p99:p50' is not a percentile",
        "ttft                       | ttft              | no '=LIMIT'",
        "ttft=0ms                   | ttft=0ms          | the limit must be above 0",
        "ttft=-1ms                  | ttft=-1ms         | '-1ms' is not a limit",
        "ttft=abc                   | ttft=abc          | 'abc' is not a limit",
        "ttft=1e3ms                 | ttft=1e3ms        | unknown unit 'e3ms'",
        "ttft=1s,                   | ttft=1s,          | an empty entry",
        "ttft=1s,tpot=1s,ttft:p90=2s | ttft=1s,tpot=1s,ttft:p90=2s | ttft is given twice",
    })
    void badTextIsRefusedWithTheReason(String text, String piece, String what) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SloSet.parse(text));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("--slo: "), msg);
        assertTrue(msg.contains(what + " in '" + piece + "'"), msg);
        assertTrue(msg.contains(SloSet.ACCEPTED), msg);
    }

    @Test
    void nothingIsRefused() {
        for (String text : new String[] {null, "", "  "}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SloSet.parse(text));
            assertEquals("--slo: no SLO given; " + SloSet.ACCEPTED, e.getMessage());
        }
    }

    @Test
    void theAcceptedFormNamesEveryChoice() {
        for (String word : new String[] {"ttft", "tpot", "itl", "e2e", "50", "90", "95", "99", "default 99", "ms",
            " s;"}) {
            assertTrue(SloSet.ACCEPTED.contains(word), word);
        }
    }

    @Test
    void recordsCheckThemselves() {
        assertThrows(IllegalArgumentException.class, () -> new Slo(SloMetric.TTFT, 98, 100));
        assertThrows(IllegalArgumentException.class, () -> new Slo(SloMetric.TTFT, 99, 0));
        assertThrows(IllegalArgumentException.class, () -> new Slo(SloMetric.TTFT, 99, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Slo(SloMetric.TTFT, 99, Double.POSITIVE_INFINITY));
        assertThrows(NullPointerException.class, () -> new Slo(null, 99, 100));
        assertThrows(IllegalArgumentException.class, () -> SloSet.of());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> SloSet.of(Slo.of(SloMetric.E2E, 1), new Slo(SloMetric.E2E, 50, 2)));
        assertTrue(twice.getMessage().contains("e2e is given twice"), twice.getMessage());
    }
}
