package dev.tokenmeter.result;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.report.CsvReport;
import dev.tokenmeter.scenario.fleet.FleetFixtures;
import dev.tokenmeter.scenario.fleet.FleetScenario;
import dev.tokenmeter.scenario.offline.OfflineScenario;
import dev.tokenmeter.scenario.serving.EndpointResultTest;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingScenario;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.WarmUp;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.telemetry.TelemetryFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/result-schema.md lists every field of the JSON result and every CSV column, each as the first cell of a
 * table row ({@code | `name` |}). This keeps the page and the records in step: a field added, renamed or removed
 * without the page fails here.
 */
class ResultSchemaDocTest {
    private static final Path DOC = Path.of("..", "docs", "result-schema.md");

    /** Every field name of a written result; the free-form keys of a device's {@code details} are left out. */
    private static void fieldNames(JsonNode node, Set<String> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                out.add(e.getKey());
                if (!e.getKey().equals("details") && !e.getKey().equals("headers")) {
                    fieldNames(e.getValue(), out);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                fieldNames(child, out);
            }
        }
    }

    private static Set<String> documented() throws IOException {
        assertTrue(Files.isRegularFile(DOC), () -> DOC.toAbsolutePath() + " is missing");
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `([A-Za-z0-9_]+)` \\|").matcher(Files.readString(DOC));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void everyFieldAndColumnIsDocumentedAndNothingElse() throws IOException {
        Set<String> fields = new TreeSet<>();
        // The sweep has what the small fixture lacks (RoPE scaling, datasheet figures), and vice versa (nulls).
        // The serving result adds its points' fields (one of its points has an SLO, a cost, TPOT and ITL; its
        // request logs have entries admitted and not, finished and not).
        // A result through an endpoint adds its target, failures, chunks and send times.
        Path fleetFolder = Files.createTempDirectory("fleet-schema");
        for (Result r : new Result[] {TestResults.sweep(), TestResults.twoPoints(), TestResults.serving(),
                EndpointResultTest.endpointResult(), FleetFixtures.fleet(fleetFolder)}) {
            fieldNames(ResultJson.mapper().readTree(ResultJson.toJson(r)), fields);
        }
        // A replayed trace's spec records the trace's requests.
        fieldNames(ResultJson.mapper().valueToTree(traceSpec()), fields);
        // A repeated point holds its other runs, and the first point after a warm-up its report.
        ServingPoint p = TestResults.serving().points(ServingPoint.class).get(0);
        fieldNames(ResultJson.mapper().valueToTree(new ServingPoint(p.label(), p.mode(), p.offeredRate(),
                p.concurrency(), p.requests(), p.promptLength(), p.outputLength(), p.steps(), p.preemptions(),
                p.metrics(), p.slo(), p.load(), p.cost(), p.achievedArrivalRate(), p.peakInFlight(), p.requestLog(),
                p.runs(), new WarmUp.Report(WarmUp.Status.STEADY, 40, 800, 2.5, 3.1, 0.26, 0.25, 5.1, 5.0, 60))),
                fields);
        // A GPU run's environment records its telemetry.
        fieldNames(ResultJson.mapper().valueToTree(TelemetryFixtures.h200("batch 1")), fields);
        Set<String> expected = new TreeSet<>(fields);
        expected.addAll(CsvReport.columns(OfflineScenario.TYPE));
        expected.addAll(CsvReport.columns(ServingScenario.TYPE));
        expected.addAll(CsvReport.columns(FleetScenario.TYPE));
        Set<String> doc = documented();
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(doc);
        Set<String> stale = new TreeSet<>(doc);
        stale.removeAll(expected);
        assertAll(() -> assertEquals(Set.of(), missing, "fields or CSV columns not documented in " + DOC),
                () -> assertEquals(Set.of(), stale, "documented in " + DOC + " but not in a result or the CSV"));
    }

    /** The spec of a replayed trace of two requests. */
    private static ServingSpec traceSpec() {
        return new ServingSpec(ServingMode.TRACE, null, 1, null, "t.jsonl", List.of(new Arrival(0, 0, 8, 4),
                new Arrival(1, 0.5, 16, 4)), 1, 0, 0, 0, 0, 200, LengthDistribution.fixed(128),
                LengthDistribution.fixed(32),
                null, 64, 256, 16, 0, 8, 0, 600, 1);
    }

    @Test
    void documentsTheCurrentSchemaVersionAndItsPolicy() throws IOException {
        String doc = Files.readString(DOC);
        assertTrue(doc.startsWith("# The tokenmeter result (JSON, schema version " + Result.SCHEMA_VERSION + ")"),
                "the title names the version this build writes");
        assertTrue(doc.contains("this page describes version **" + Result.SCHEMA_VERSION + "**"));
        assertTrue(doc.contains("**Readers refuse newer versions.**"));
    }
}
