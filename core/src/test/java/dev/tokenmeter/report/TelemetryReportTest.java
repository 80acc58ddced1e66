package dev.tokenmeter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.TestResults;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import dev.tokenmeter.telemetry.TelemetryFixtures;
import dev.tokenmeter.telemetry.TelemetryWindow;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Every renderer shows the device's telemetry where the result has it: the GPU, its ECC errors and retired pages,
 * a row per point with power and energy per output token and per query; the one line that says why there is none
 * for a CPU run; and nothing for a result written before telemetry was recorded. The CSV carries the three energy
 * columns. The figures are the fixture's, computed when the result was built; the renderers only format them.
 */
class TelemetryReportTest {
    private static final String FIRST = "batch 1, prompt 8, output 4";
    private static final String SECOND = "batch 2, prompt 8, output 1";

    static Result with(Result r, DeviceTelemetry t) {
        return new Result(r.schemaVersion(), r.tool(), r.startedAt(), r.finishedAt(), r.complete(), r.spec(),
                r.environment().withTelemetry(t), r.points(), r.warnings());
    }

    private static Result gpuRun() {
        return with(TestResults.twoPoints(), TelemetryFixtures.h200(FIRST, SECOND));
    }

    @Test
    void theConsoleShowsTheGpuTheEccChangeAndARowPerPoint() {
        String out = ConsoleReport.render(gpuRun());
        String section = out.substring(out.indexOf("\nTelemetry\n"));
        assertTrue(section.contains("\ngpu            NVIDIA H200 (index 0, GPU-0a1b2c3d-4e5f-6789-abcd-"
                + "ef0123456789, PCI 00000000:3B:00.0), driver 580.95.05\n"), section);
        assertTrue(section.contains("\nsampling       through NVML, every 100 ms; energy from the GPU's energy"
                + " counter\n"), section);
        assertTrue(section.contains("\necc            corrected 2 → 3 (+1), uncorrected 0 (aggregate); corrected 0"
                + " → 1 (+1), uncorrected 0 (volatile, since the driver loaded); CHANGED during the run\n"), section);
        assertTrue(section.contains("\nretired pages  not supported (GPUs from A100 on remap rows instead of retiring"
                + " pages)\n"), section);
        List<String> lines = section.lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("point")).findFirst().orElseThrow());
        assertTrue(lines.get(header).matches("point +s +mean W +max W +J/out tok +J/query +SM MHz min +SM MHz median"
                + " +mem MHz median +max °C +throttle reasons"), lines.get(header));
        assertTrue(lines.get(header + 2).matches(FIRST + " +12\\.5 +300\\.0 +340\\.0 +0\\.300 +30\\.0 +1755 +1980"
                + " +3201 +58 +none"), lines.get(header + 2));
        assertTrue(lines.get(header + 3).matches(SECOND + " +12\\.5 +310\\.0 +350\\.0 +0\\.155 +15\\.5 +1655 +1880"
                + " +3201 +59 +SW power cap"), lines.get(header + 3));
        assertTrue(out.endsWith(lines.get(header + 3) + "\n"), "the section ends the report");
    }

    @Test
    void markdownHasATelemetrySectionWithItsTable() {
        String md = MarkdownReport.render(gpuRun());
        assertTrue(md.contains("\n### Telemetry\n\n- **GPU**: NVIDIA H200 (index 0, GPU-0a1b2c3d-4e5f-6789-abcd"
                + "-ef0123456789, PCI 00000000:3B:00.0), driver 580.95.05\n"), md);
        assertTrue(md.contains("\n| point | s | mean W | max W | J/out tok | J/query | SM MHz min | SM MHz median |"
                + " mem MHz median | max °C | throttle reasons |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"), md);
        assertTrue(md.contains("\n| " + SECOND + " | 12.5 | 310.0 | 350.0 | 0.155 | 15.5 | 1655 | 1880 | 3201 | 59 |"
                + " SW power cap |\n"), md);
    }

    @Test
    void htmlHasATelemetrySectionThatParsesStrictly() {
        String html = HtmlReport.render(gpuRun());
        Document doc = HtmlReportTest.parse(html);
        Element section = null;
        var sections = doc.getElementsByTagName("section");
        for (int i = 0; i < sections.getLength(); i++) {
            Element e = (Element) sections.item(i);
            if ("telemetry".equals(e.getAttribute("id"))) {
                section = e;
            }
        }
        assertTrue(section != null, "a telemetry section");
        String text = section.getTextContent();
        assertTrue(text.contains("NVIDIA H200 (index 0"), text);
        assertTrue(text.contains("CHANGED during the run"), text);
        var tables = section.getElementsByTagName("table");
        assertEquals(1, tables.getLength());
        assertEquals(3, ((Element) tables.item(0)).getElementsByTagName("tr").getLength(), "a header and two points");
        assertTrue(tables.item(0).getTextContent().contains("0.155"));
        // Styled as the points table, but told apart from it.
        assertEquals(1, html.split("<table class=\"points\">", -1).length - 1);
        assertEquals(1, html.split("<table class=\"points telemetry\">", -1).length - 1);
    }

    @Test
    void theCsvCarriesPowerAndEnergyPerOutputTokenAndPerQuery() {
        List<List<String>> csv = CsvReportTest.parse(CsvReport.render(gpuRun()));
        List<String> header = csv.get(0);
        Map<String, Integer> at = Map.of("power_w_mean", header.indexOf("power_w_mean"),
                "energy_j_per_output_token", header.indexOf("energy_j_per_output_token"),
                "energy_j_per_query", header.indexOf("energy_j_per_query"));
        assertEquals("300", csv.get(1).get(at.get("power_w_mean")));
        assertEquals("0.3", csv.get(1).get(at.get("energy_j_per_output_token")));
        assertEquals("30", csv.get(1).get(at.get("energy_j_per_query")));
        assertEquals("310", csv.get(2).get(at.get("power_w_mean")));
        assertEquals("0.155", csv.get(2).get(at.get("energy_j_per_output_token")));
        assertEquals("15.5", csv.get(2).get(at.get("energy_j_per_query")));
    }

    @Test
    void telemetryThatStoppedPartWayShowsWhyAndLeavesTheRestEmpty() {
        DeviceTelemetry full = TelemetryFixtures.h200(FIRST);
        String why = "NVML failed while sampling point '" + SECOND + "': nvmlDeviceGetPowerUsage: GPU is lost (NVML"
                + " error 15); the window before it is kept";
        DeviceTelemetry stopped = new DeviceTelemetry(full.source(), why, full.gpu(), full.driverVersion(),
                full.sampleIntervalMs(), full.windows(), full.eccStart(), null, full.retiredPagesStart(), null);
        Result r = with(TestResults.twoPoints(), stopped);
        assertTrue(ConsoleReport.render(r).contains("\nstopped        " + why + "\n"), ConsoleReport.render(r));
        assertTrue(ConsoleReport.render(r).contains("not read at the end"));
        List<List<String>> csv = CsvReportTest.parse(CsvReport.render(r));
        int power = csv.get(0).indexOf("power_w_mean");
        assertEquals("300", csv.get(1).get(power));
        assertEquals("", csv.get(2).get(power), "no window for the second point");
    }

    @Test
    void aRunWithoutAGpuSaysSoInOneLineEverywhere() {
        String why = "no NVIDIA GPU in this run (cpu backend)";
        Result r = with(TestResults.twoPoints(), DeviceTelemetry.unavailable(why));
        String line = "Telemetry: not available: " + why;
        assertTrue(ConsoleReport.render(r).endsWith("\n\n" + line + "\n"), ConsoleReport.render(r));
        assertTrue(MarkdownReport.render(r).contains("\n" + line + "\n"), MarkdownReport.render(r));
        assertTrue(HtmlReport.render(r).contains("<p class=\"footnote\">" + line + "</p>"));
        HtmlReportTest.parse(HtmlReport.render(r));
        List<List<String>> csv = CsvReportTest.parse(CsvReport.render(r));
        int power = csv.get(0).indexOf("power_w_mean");
        assertEquals("", csv.get(1).get(power));
        assertEquals("", csv.get(1).get(power + 1));
        assertEquals("", csv.get(1).get(power + 2));
    }

    @Test
    void aResultWrittenBeforeTelemetryShowsNoSection() {
        Result r = TestResults.twoPoints();
        for (OutputFormat f : List.of(OutputFormat.TABLE, OutputFormat.MARKDOWN, OutputFormat.HTML)) {
            assertFalse(f.render(r).contains("Telemetry"), f + " of a result without telemetry");
        }
    }

    @Test
    void aResultWithTelemetryReadsBackTheSameAndRendersTheSame() {
        Result r = gpuRun();
        Result back = ResultJson.parse(ResultJson.toJson(r), "gpu.json");
        assertEquals(r.environment().telemetry(), back.environment().telemetry());
        assertEquals(r.environment(), back.environment());
        for (OutputFormat f : OutputFormat.values()) {
            if (f != OutputFormat.JSON) {
                assertEquals(f.render(r), f.render(back), f + " rendering");
            }
        }
        TelemetryWindow w = back.environment().telemetry().windowOf(1, SECOND);
        assertEquals(List.of("SW power cap"), w.throttleReasons());
        assertEquals(null, back.environment().telemetry().windowOf(1, FIRST), "a window follows its point's label");
    }
}
