package dev.tokenmeter.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.measure.HostActivity;
import dev.tokenmeter.measure.HostSnapshot;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.report.ConsoleReport;
import dev.tokenmeter.report.HtmlReport;
import dev.tokenmeter.report.MarkdownReport;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A run records what the host was doing while it measured, and a busy host is a run-level warning that every
 * renderer shows: once with the host's counters as a busy 2-CPU host recorded them, once on this machine for real
 * (which records the figures whatever the machine is doing: nothing here asserts that it is quiet).
 */
class HostActivityRunTest extends OnTheCpu {
    private static RunSpec spec() {
        return Benchmark.offline().model("tiny").backend("cpu").threads(2).batchSizes(1).promptLengths(8)
                .outputLengths(4).measurement(new MeasurementPolicy(0, 2, 2, 0)).spec();
    }

    /** A 2-CPU host's counters: the machine's ticks (user, idle) and this process's. */
    private static HostSnapshot snapshot(double seconds, long user, long idle, long own) {
        Map<String, String> files = Map.of(
                "/proc/stat", "cpu  " + user + " 0 0 " + idle + " 0 0 0 0 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0\n",
                "/proc/self/stat", "77 (java) S 1 77 77 0 -1 0 0 0 0 0 " + own + " 0 0 0 20 0 9 0 1 1 1\n",
                "/proc/loadavg", (seconds == 0 ? "2.10" : "3.90") + " 1.00 0.50 2/99 77\n");
        return HostSnapshot.of((long) (seconds * 1e9), files::get);
    }

    @Test
    void aBusyHostIsRecordedAndWarnedOfInEveryReport() {
        // 10 s on 2 CPUs: this run 1000 ticks, another benchmark 960 (48% of the machine), idle 40.
        Deque<HostSnapshot> readings = new ArrayDeque<>(List.of(snapshot(0, 5_000, 9_000, 100),
                snapshot(10, 6_960, 9_040, 1_100)));
        Result r = ScenarioRunner.run(spec(), backend, RunListener.NONE, readings::pop);
        HostActivity host = r.environment().host();
        assertNotNull(host);
        assertTrue(host.busy());
        assertEquals(0.48, host.otherCpuShare(), 1e-12);
        String warning = host.warning();
        assertTrue(r.warnings().contains(warning), r.warnings().toString());
        assertTrue(warning.startsWith("busy host: other processes used 48% of the machine's CPU time (this run used"
                + " 50%; load average 2.10 before, 3.90 after, on 2 CPUs)"), warning);
        assertTrue(ConsoleReport.render(r).contains("\nwarning: " + warning + "\n"), ConsoleReport.render(r));
        assertTrue(ConsoleReport.render(r).contains("\nhost      busy: other processes used 48%"));
        assertTrue(MarkdownReport.render(r).contains(warning), MarkdownReport.render(r));
        assertTrue(HtmlReport.render(r).contains("busy host: other processes used 48% of the machine&#39;s CPU"
                + " time"), HtmlReport.render(r));
        Result read = ResultJson.parse(ResultJson.toJson(r), "busy.json");
        assertEquals(host, read.environment().host());
        assertTrue(read.warnings().contains(warning));
    }

    @Test
    void aRealShortRunRecordsTheHostsFigures() {
        Result r = ScenarioRunner.run(spec(), backend, RunListener.NONE);
        HostActivity host = r.environment().host();
        assertNotNull(host, "every run records its host");
        assertTrue(host.seconds() > 0, host.toString());
        // Busy or quiet, the warning goes with the verdict.
        assertEquals(host.busy() ? List.of(host.warning()) : List.of(),
                r.warnings().stream().filter(w -> w.startsWith("busy host:")).toList());
        assumeTrue(Files.isReadable(Path.of("/proc/stat")) && Files.isReadable(Path.of("/proc/self/stat")),
                "the host's counters are Linux's /proc; this system has none");
        assertTrue(host.cpus() >= 1, host.toString());
        for (double share : new double[] {host.ownCpuShare(), host.otherCpuShare(), host.stealShare()}) {
            assertTrue(share >= 0 && share <= 1, host.toString());
        }
        assertTrue(host.loadAverageBefore() >= 0 && host.loadAverageAfter() >= 0, host.toString());
        assertTrue(r.environment().hostMemoryBytes() > 0, "MemTotal of /proc/meminfo");
        assertTrue(ConsoleReport.render(r).contains("\nhost      " + (host.busy() ? "busy: " : "quiet: ")
                + "other processes used "), ConsoleReport.render(r));
    }
}
