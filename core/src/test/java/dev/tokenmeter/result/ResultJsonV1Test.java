package dev.tokenmeter.result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Results of schema version 1, as tokenmeter wrote them before every scenario had one spec and one list of points,
 * are read as version 2 ({@link ResultJsonV1}): the committed results under docs/results, and the fixtures written
 * in the version-1 layout.
 */
class ResultJsonV1Test {
    private static final Path RESULTS = Path.of("..", "docs", "results");

    private static JsonNode raw(String name) throws IOException {
        JsonNode tree = ResultJson.mapper().readTree(RESULTS.resolve(name + ".json").toFile());
        assertEquals(1, tree.get("schemaVersion").asInt(), name + " is a version-1 file");
        return tree;
    }

    /** Each offline point as the file has it: its shape, trial count and median output rate. */
    private static void assertOfflinePoints(JsonNode raw, Result r) {
        JsonNode points = raw.get("points");
        List<OfflinePoint> read = r.points(OfflinePoint.class);
        assertEquals(points.size(), read.size());
        for (int i = 0; i < read.size(); i++) {
            JsonNode p = points.get(i);
            OfflinePoint q = read.get(i);
            assertEquals(p.get("batch").asInt(), q.batch());
            assertEquals(p.get("promptLength").asInt(), q.promptLength());
            assertEquals(p.get("outputLength").asInt(), q.outputLength());
            assertEquals(p.get("trials").size(), q.trials().size());
            assertEquals(p.get("metrics").get("outputTokensPerSecond").get("p50").asDouble(),
                    q.metrics().outputTokensPerSecond().p50());
            assertEquals(p.get("warnings").size(), q.warnings().size());
        }
    }

    /** Each serving point as the file has it; what version 1 did not record is null. */
    private static void assertServingPoints(JsonNode raw, Result r) {
        assertEquals(0, raw.get("points").size(), "a version-1 serving file keeps its points apart");
        JsonNode points = raw.get("servingPoints");
        List<ServingPoint> read = r.points(ServingPoint.class);
        assertEquals(points.size(), read.size());
        for (int i = 0; i < read.size(); i++) {
            JsonNode p = points.get(i);
            ServingPoint q = read.get(i);
            assertEquals(p.get("label").asText(), q.label());
            assertEquals(ServingMode.of(p.get("mode").asText()), q.mode());
            assertEquals(p.get("offeredRate").asDouble(), q.offeredRate());
            assertEquals(p.get("requests").asInt(), q.requests());
            assertEquals(p.get("steps").asLong(), q.steps());
            assertEquals(p.get("metrics").get("completed").asInt(), q.metrics().completed());
            assertEquals(p.get("metrics").get("ttftMs").get("p99").asDouble(), q.metrics().ttftMs().p99());
            assertEquals(p.get("slo").get("meetsSlo").asBoolean(), q.slo().meetsSlo());
            assertEquals(p.get("load").get("status").asText(), q.load().status().name());
            assertNull(q.achievedArrivalRate());
            assertNull(q.peakInFlight());
            assertNull(q.requestLog());
        }
    }

    @Test
    void committedOfflineResultsReadAsOfflineWithTheirPoints() throws IOException {
        Result cpu = ResultJson.read(RESULTS.resolve("cpu-llama-110m.json"));
        assertEquals("offline", cpu.scenario());
        assertEquals(Result.SCHEMA_VERSION, cpu.schemaVersion(), "upgraded when read");
        assertEquals(List.of("batch 1, prompt 128, output 32", "batch 8, prompt 128, output 32"),
                cpu.points().stream().map(ScenarioPoint::label).toList());
        OfflineSpec spec = (OfflineSpec) cpu.spec().scenario();
        assertEquals(List.of(1, 8), spec.batchSizes());
        assertEquals(List.of(128), spec.promptLengths());
        assertEquals(List.of(32), spec.outputLengths());
        assertEquals(new MeasurementPolicy(1, 3, 10, 30.0, 0.01, 2.0), spec.measurement());
        assertEquals("llama-110m", cpu.spec().model().name());
        assertEquals(2, cpu.spec().threads());
        assertOfflinePoints(raw("cpu-llama-110m"), cpu);
        assertThrows(IllegalArgumentException.class, () -> cpu.points(ServingPoint.class));

        Result gpu = ResultJson.read(RESULTS.resolve("gpu-h100-llama-3.1-8b.json"));
        assertEquals("offline", gpu.scenario());
        assertOfflinePoints(raw("gpu-h100-llama-3.1-8b"), gpu);
        assertEquals("llama-3.1-8b", gpu.spec().model().name());
    }

    @Test
    void committedServingResultsReadAsServingWithTheirPoints() throws IOException {
        Result sweep = ResultJson.read(RESULTS.resolve("cpu-serve-llama-110m-sweep.json"));
        assertEquals("serving", sweep.scenario());
        assertEquals(List.of("rate 1.00", "rate 2.00", "rate 4.00"),
                sweep.points().stream().map(ScenarioPoint::label).toList());
        ServingSpec spec = (ServingSpec) sweep.spec().scenario();
        assertEquals(ServingMode.RATE, spec.mode());
        assertEquals(List.of(1.0, 2.0, 4.0), spec.rates());
        assertEquals(40, spec.requests());
        assertEquals("64:256", spec.promptLength().describe());
        assertEquals("32", spec.outputLength().describe());
        assertEquals("ttft:p99=2000ms,tpot:p99=100ms", spec.slo().describe());
        assertEquals(256, spec.maxTokensPerStep());
        assertEquals(1152, spec.kvBlocks());
        assertNull(spec.traceArrivals(), "version 1 did not record a trace's requests");
        assertNull(sweep.spec().price());
        assertServingPoints(raw("cpu-serve-llama-110m-sweep"), sweep);
        assertThrows(IllegalArgumentException.class, () -> sweep.points(OfflinePoint.class));

        Result search = ResultJson.read(RESULTS.resolve("cpu-serve-llama-110m-search.json"));
        assertEquals("serving", search.scenario());
        ServingSpec searched = (ServingSpec) search.spec().scenario();
        assertEquals(ServingMode.SEARCH, searched.mode());
        JsonNode raw = raw("cpu-serve-llama-110m-search");
        assertEquals(raw.get("spec").get("serving").get("searchLow").asDouble(), searched.searchLow());
        assertEquals(raw.get("spec").get("serving").get("searchHigh").asDouble(), searched.searchHigh());
        assertEquals(8, search.points().size());
        assertTrue(search.points(ServingPoint.class).stream().allMatch(p -> p.mode() == ServingMode.SEARCH));
        assertServingPoints(raw, search);
    }

    /**
     * {@code r} written as version 1 wrote it: the offline spec and the measurement policy, or the serving spec,
     * as fields of the run's spec; offline points in {@code points}, serving points in {@code servingPoints}; no
     * {@code kind}; and, serving, none of the fields version 2 added to a point or the spec.
     *
     * @param servingPointsField whether an offline result has an empty {@code servingPoints} (files written before
     *                           the serving scenario have none)
     */
    static String asVersion1(Result r, boolean servingPointsField) throws IOException {
        ObjectNode tree = (ObjectNode) ResultJson.mapper().readTree(ResultJson.toJson(r));
        tree.put("schemaVersion", 1);
        ObjectNode spec = (ObjectNode) tree.get("spec");
        ObjectNode scenario = (ObjectNode) spec.remove("scenario");
        String kind = scenario.remove("kind").asText();
        ArrayNode points = (ArrayNode) tree.remove("points");
        points.forEach(p -> ((ObjectNode) p).remove("kind"));
        if (kind.equals("offline")) {
            spec.set("measurement", scenario.remove("measurement"));
            spec.set("offline", scenario);
            tree.set("points", points);
            if (servingPointsField) {
                tree.putArray("servingPoints");
            }
        } else {
            scenario.remove("traceArrivals");
            points.forEach(p -> ((ObjectNode) p).remove(List.of("achievedArrivalRate", "peakInFlight",
                    "requestLog")));
            spec.putNull("offline");
            spec.putNull("measurement");
            spec.set("serving", scenario);
            tree.putArray("points");
            tree.set("servingPoints", points);
        }
        return ResultJson.mapper().writeValueAsString(tree);
    }

    @Test
    void anOfflineResultInTheVersion1LayoutReadsAsItWasWritten() throws IOException {
        for (Result r : List.of(TestResults.twoPoints(), TestResults.withoutCost(), TestResults.incomplete(),
                TestResults.sweep())) {
            for (boolean servingPointsField : new boolean[] {true, false}) {
                String v1 = asVersion1(r, servingPointsField);
                assertTrue(v1.contains("\"offline\" : {"), v1);
                Result back = ResultJson.parse(v1, "v1.json");
                ResultJsonTest.assertSameResult(r, back);
                ResultJsonTest.assertSameRenderings(r, back);
            }
        }
    }

    @Test
    void aServingResultInTheVersion1LayoutReadsWithoutWhatVersion1DidNotRecord() throws IOException {
        Result r = TestResults.serving();
        String v1 = asVersion1(r, false);
        assertTrue(v1.contains("\"servingPoints\" : ["), v1);
        Result back = ResultJson.parse(v1, "v1.json");
        List<ServingPoint> expected = new ArrayList<>();
        for (ServingPoint p : r.points(ServingPoint.class)) {
            expected.add(new ServingPoint(p.label(), p.mode(), p.offeredRate(), p.concurrency(), p.requests(),
                    p.promptLength(), p.outputLength(), p.steps(), p.preemptions(), p.metrics(), p.slo(), p.load(),
                    p.cost(), null, null, null, null, null));
        }
        assertEquals(TestResults.withPoints(r, expected), back);
    }

    @Test
    void aVersion1FileWithNoSpecScenarioIsRefusedAsMalformed() {
        String json = "{\"schemaVersion\": 1, \"scenario\": \"offline\", \"spec\": {\"model\": null}, \"points\": []}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResultJson.parse(json, "odd.json"));
        assertTrue(e.getMessage().startsWith("odd.json: malformed tokenmeter result: "), e.getMessage());
    }
}
