package dev.tokenmeter.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.measure.HostActivity;
import dev.tokenmeter.result.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A comparison says when either side was measured on a busy host, naming the side and what the host did: a run
 * during another benchmark once showed −49% as a regression.
 */
class BusyHostCompareTest {
    /** 60 s on 2 CPUs, another benchmark taking 48% of the machine. */
    private static final HostActivity BUSY = new HostActivity(60, 2, 2.10, 3.90, 0.50, 0.48, 0.0, Double.NaN,
            Double.NaN, Double.NaN, true);
    private static final HostActivity QUIET = new HostActivity(60, 2, 0.40, 1.90, 0.95, 0.02, 0.0, Double.NaN,
            Double.NaN, Double.NaN, false);

    private static Result on(HostActivity host, long seed) {
        Result r = CompareFixtures.result(seed, 1.0);
        return new Result(r.schemaVersion(), r.tool(), r.startedAt(), r.finishedAt(), r.complete(), r.spec(),
                r.environment().withHost(host), r.points(), r.warnings());
    }

    private static List<String> busyLines(Comparison c) {
        return c.warnings().stream().filter(w -> w.contains("busy host")).toList();
    }

    @Test
    void aSideMeasuredOnABusyHostIsNamedWithTheFigure() {
        Comparison c = Comparer.defaults().compare("base.json", on(QUIET, 1), "cand.json", on(BUSY, 2));
        assertEquals(List.of("cand.json was measured on a busy host: other processes used 48% of the machine's CPU"
                + " time (this run used 50%; load average 2.10 before, 3.90 after, on 2 CPUs) during the run; its"
                + " figures may be slower and noisier than its code, so a change may be the host's"), busyLines(c));
        assertTrue(ComparisonReport.console(c).contains("warning: cand.json was measured on a busy host: other"
                + " processes used 48%"), ComparisonReport.console(c));
    }

    @Test
    void bothSidesAreNamedWhenBothWereBusy() {
        List<String> lines = busyLines(Comparer.defaults().compare("base.json", on(BUSY, 1), "cand.json",
                on(BUSY, 2)));
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("base.json was measured on a busy host: other processes used 48%"));
        assertTrue(lines.get(1).startsWith("cand.json was measured on a busy host: other processes used 48%"));
    }

    @Test
    void quietHostsAndResultsThatDoNotRecordTheHostSayNothing() {
        assertEquals(List.of(), busyLines(Comparer.defaults().compare(on(QUIET, 1), on(QUIET, 2))));
        assertEquals(List.of(), busyLines(Comparer.defaults().compare(CompareFixtures.result(1, 1.0),
                CompareFixtures.result(2, 1.0))));
    }
}
