package dev.tokenmeter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.TestResults;
import org.junit.jupiter.api.Test;

/**
 * What every report says of the host and the ceilings: a CPU's memory is the JVM's heap and says so, with the
 * host's memory beside it where recorded; a ceiling's spread is shown; an MBU or MFU that rests on a noisy ceiling
 * is warned of; and files written before these were recorded read as "not recorded".
 */
class HostAndCeilingsReportTest {
    private static final String NOISY = "noisy ceiling: of its 9 repetitions, the memory bandwidth's median was 58%"
            + " below the best (20.00 GB/s, kept), which MBU divides by: those utilization figures are uncertain by"
            + " about as much and may differ between runs (a busy host while the ceilings were measured is the usual"
            + " cause)";

    /** The two-point result on its test CPU with these measured ceilings and host memory. */
    private static Result with(DeviceCeilings measured, long hostMemory) {
        Result r = TestResults.twoPoints();
        DeviceInfo d = r.environment().device();
        Environment e = r.environment();
        DeviceInfo device = new DeviceInfo(d.backend(), d.name(), d.kind(), d.computeUnits(), d.memoryBytes(),
                d.cacheBytes(), measured, d.datasheet(), d.details());
        Environment env = new Environment(e.tokenmeterVersion(), e.gitCommit(), e.jvm(), e.os(), e.cpu(),
                e.cpuCores(), e.maxHeapBytes(), device, hostMemory, e.host());
        return new Result(r.schemaVersion(), r.tool(), r.startedAt(), r.finishedAt(), r.complete(), r.spec(), env,
                r.points(), r.warnings());
    }

    private static DeviceCeilings ceilings(double bandwidthSpread, double flopsSpread, int repetitions) {
        return new DeviceCeilings(20e9, 100e9, TestResults.SOURCE, bandwidthSpread, flopsSpread, repetitions);
    }

    @Test
    void aCpusMemoryIsLabelledTheJvmHeapAndTheHostsMemoryIsShownWhereRecorded() {
        Result r = with(ceilings(0, 0, 0), 25_275_265_536L);
        String device = "Test CPU 9000 (cpu, 2 cores, 8.00 GB JVM heap); host memory 25.3 GB";
        assertTrue(ConsoleReport.render(r).contains("\ndevice    " + device + "\n"), ConsoleReport.render(r));
        assertTrue(MarkdownReport.render(r).contains("- **Device**: " + device + "; "), MarkdownReport.render(r));
        assertTrue(HtmlReport.render(r).contains("<dt>Device</dt><dd>" + device + "</dd>"), HtmlReport.render(r));
        String unknown = ConsoleReport.render(TestResults.twoPoints());
        assertTrue(unknown.contains("\ndevice    Test CPU 9000 (cpu, 2 cores, 8.00 GB JVM heap)\n"), unknown);
    }

    @Test
    void aNoisyBandwidthIsWarnedOfInEveryReportWithItsSpread() {
        Result r = with(ceilings(1 - 31.0 / 74, 0.03, 9), 0);
        String console = ConsoleReport.render(r);
        assertTrue(console.contains("\nceilings  20.00 GB/s, 100.0 GFLOP/s (" + TestResults.SOURCE
                + "; medians 58% and 3% below)\n"), console);
        assertTrue(console.contains("\nwarning: " + NOISY + "\n"), console);
        assertTrue(MarkdownReport.render(r).contains(NOISY), MarkdownReport.render(r));
        assertTrue(HtmlReport.render(r).contains("noisy ceiling: of its 9 repetitions, the memory bandwidth&#39;s"
                + " median was 58% below the best"), HtmlReport.render(r));
    }

    @Test
    void aNoisyFlopsCeilingIsWarnedOfForMfu() {
        String console = ConsoleReport.render(with(ceilings(0.02, 0.25, 9), 0));
        assertTrue(console.contains("\nwarning: noisy ceiling: of its 9 repetitions, the FLOP/s' median was 25%"
                + " below the best (100.0 GFLOP/s, kept), which MFU divides by: "), console);
        assertFalse(console.contains("memory bandwidth's median"), console);
    }

    @Test
    void steadyCeilingsAndCeilingsWithoutRepetitionsSayNothing() {
        assertFalse(ConsoleReport.render(with(ceilings(0.19, 0.19, 9), 0)).contains("noisy ceiling"));
        String old = ConsoleReport.render(with(ceilings(0, 0, 0), 0));
        assertFalse(old.contains("noisy ceiling"), old);
        assertTrue(old.contains("\nceilings  20.00 GB/s, 100.0 GFLOP/s (" + TestResults.SOURCE + ")\n"), old);
    }

    @Test
    void filesWrittenBeforeTheseFieldsReadAsNotRecorded() throws Exception {
        JsonNode tree = ResultJson.mapper().readTree(ResultJson.toJson(TestResults.sweep()));
        ObjectNode env = (ObjectNode) tree.get("environment");
        assertTrue(env.has("host") && env.has("hostMemoryBytes"), "the sweep records both");
        env.remove("host");
        env.remove("hostMemoryBytes");
        ObjectNode measured = (ObjectNode) env.get("device").get("measured");
        measured.remove("memoryBandwidthSpread");
        measured.remove("flopsSpread");
        measured.remove("repetitions");
        Result old = ResultJson.parse(ResultJson.mapper().writeValueAsString(tree), "old.json");
        assertNull(old.environment().host());
        assertEquals(0, old.environment().hostMemoryBytes());
        DeviceCeilings c = old.environment().device().measured();
        assertEquals(new DeviceCeilings(3.0e12, 700e12, "measured: device copy and bf16 GEMM"), c);
        String console = ConsoleReport.render(old);
        assertFalse(console.contains("\nhost "), console);
        assertFalse(console.contains("noisy ceiling"), console);
    }
}
