package dev.tokenmeter.result;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.report.OutputFormat;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import dev.tokenmeter.scenario.serving.RequestEntry;
import dev.tokenmeter.scenario.serving.ServingPoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultJsonTest {
    @TempDir
    Path dir;

    /**
     * Records compare arrays by reference, so an offline point's trials (which hold a double[]) are compared field
     * by field and the rest of the result as records with the trials left out. A serving point's request log
     * compares its arrays by value ({@link RequestEntry#equals}), so serving points compare as they are.
     */
    static void assertSameResult(Result expected, Result actual) {
        assertEquals(withoutTrials(expected), withoutTrials(actual));
        if (!(expected.spec().scenario() instanceof OfflineSpec)) {
            return;
        }
        List<OfflinePoint> ep = expected.points(OfflinePoint.class);
        List<OfflinePoint> ap = actual.points(OfflinePoint.class);
        for (int p = 0; p < ep.size(); p++) {
            List<TrialRecord> e = ep.get(p).trials();
            List<TrialRecord> a = ap.get(p).trials();
            assertEquals(e.size(), a.size(), "trials of point " + p);
            for (int t = 0; t < e.size(); t++) {
                String where = "point " + p + ", trial " + t;
                assertEquals(e.get(t).prefillMs(), a.get(t).prefillMs(), where);
                assertEquals(e.get(t).prefillDeviceMs(), a.get(t).prefillDeviceMs(), where);
                assertEquals(e.get(t).decodeDeviceMs(), a.get(t).decodeDeviceMs(), where);
                assertArrayEquals(e.get(t).decodeStepMs(), a.get(t).decodeStepMs(), where);
            }
        }
    }

    private static Result withoutTrials(Result r) {
        List<ScenarioPoint> points = new ArrayList<>();
        for (ScenarioPoint point : r.points()) {
            if (point instanceof OfflinePoint p) {
                points.add(new OfflinePoint(p.batch(), p.promptLength(), p.outputLength(), p.warmupTrials(),
                        List.of(), p.metrics(), p.roofline(), p.cost(), p.precision(), p.warnings()));
            } else {
                points.add(point);
            }
        }
        return TestResults.withPoints(r, points);
    }

    /**
     * Every rendering of {@code expected} and {@code actual} is the same; JSON as the same tree, because a device's
     * free-form {@code details} is an unordered map whose keys may come out in another order once read back.
     */
    static void assertSameRenderings(Result expected, Result actual) {
        for (OutputFormat f : OutputFormat.values()) {
            if (f == OutputFormat.JSON) {
                try {
                    assertEquals(ResultJson.mapper().readTree(f.render(expected)),
                            ResultJson.mapper().readTree(f.render(actual)), "JSON rendering");
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            } else {
                assertEquals(f.render(expected), f.render(actual), f + " rendering");
            }
        }
    }

    private List<String> filesInDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private IllegalArgumentException refusal(String fileName, String content) throws IOException {
        Path f = dir.resolve(fileName);
        Files.writeString(f, content);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResultJson.read(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), () -> "file not named: " + e.getMessage());
        return e;
    }

    private static void assertContains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in: " + text);
    }

    @Test
    void writeThenReadGivesTheSameResult() {
        for (Result r : List.of(TestResults.twoPoints(), TestResults.incomplete(), TestResults.withoutCost(),
                TestResults.sweep(), TestResults.serving())) {
            Path f = dir.resolve("r.json");
            ResultJson.write(r, f);
            Result back = ResultJson.read(f);
            assertSameResult(r, back);
            assertSameRenderings(r, back);
        }
    }

    @Test
    void aResultIsWrittenAsSchemaVersion2WithItsScenarioNamedOnSpecAndPoints() throws IOException {
        for (Result r : List.of(TestResults.twoPoints(), TestResults.serving())) {
            String scenario = r.scenario();
            JsonNode tree = ResultJson.mapper().readTree(ResultJson.toJson(r));
            assertEquals(2, tree.get("schemaVersion").asInt());
            assertEquals(Result.SCHEMA_VERSION, tree.get("schemaVersion").asInt());
            assertEquals("tokenmeter", tree.get("tool").asText());
            assertEquals(scenario, tree.get("scenario").asText());
            assertEquals(scenario, tree.get("spec").get("scenario").get("kind").asText());
            assertEquals(r.points().size(), tree.get("points").size());
            for (JsonNode p : tree.get("points")) {
                assertEquals(scenario, p.get("kind").asText());
            }
            for (String v1 : List.of("servingPoints", "offline", "serving", "measurement")) {
                assertFalse(tree.has(v1) || tree.get("spec").has(v1), v1 + " is a version-1 field");
            }
        }
        JsonNode offline = ResultJson.mapper().readTree(ResultJson.toJson(TestResults.twoPoints()));
        assertEquals(1, offline.get("spec").get("scenario").get("measurement").get("warmupTrials").asInt());
        JsonNode serving = ResultJson.mapper().readTree(ResultJson.toJson(TestResults.serving()));
        JsonNode spec = serving.get("spec").get("scenario");
        assertEquals("rate", spec.get("mode").asText());
        assertEquals("16", spec.get("promptLength").asText(), "lengths as their option text");
        assertEquals(TestResults.SLO, spec.get("slo").asText(), "SLOs as their option text");
    }

    @Test
    void nanSurvivesAsNanAndNullStaysNull() throws IOException {
        Path f = dir.resolve("nan.json");
        ResultJson.write(TestResults.twoPoints(), f);
        String text = Files.readString(f);
        assertContains(text, "\"decodeMbu\" : \"NaN\"");
        Result back = ResultJson.read(f);
        OfflinePoint single = back.points(OfflinePoint.class).get(1);
        assertTrue(Double.isNaN(single.roofline().measured().decodeMbu()));
        assertTrue(Double.isNaN(single.roofline().measured().decodeMfu()));
        assertNull(single.metrics().tpotMs());
        assertNull(single.roofline().datasheet());
        assertNull(back.environment().device().datasheet());
    }

    @Test
    void aServingPointsRequestLogSurvivesTheRoundTrip() throws IOException {
        Result r = TestResults.serving();
        Path f = dir.resolve("serving.json");
        ResultJson.write(r, f);
        assertContains(Files.readString(f), "\"requestLog\"");
        assertContains(Files.readString(f), "\"outcome\" : \"unfinished\"");
        List<ServingPoint> before = r.points(ServingPoint.class);
        List<ServingPoint> after = ResultJson.read(f).points(ServingPoint.class);
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            List<RequestEntry> log = after.get(i).requestLog();
            assertEquals(before.get(i).requests(), log.size(), "a request log entry per request");
            assertEquals(before.get(i).requestLog(), log, "request log of " + before.get(i).label());
        }
        // Every figure of an entry, arrays included: the first steady request (arrives at 0, admitted at 5 ms, its
        // tokens at 20, 30, 40 and 50 ms), and the closed loop's unfinished one (no admission, no token).
        assertEquals(new RequestEntry(0, 0, 5_000_000L, 16, 4, 0, RequestEntry.Outcome.COMPLETED, 20_000_000L,
                new long[] {10_000_000L, 10_000_000L, 10_000_000L}), after.get(0).requestLog().get(0));
        assertArrayEquals(new long[] {10_000_000L, 10_000_000L, 10_000_000L},
                after.get(0).requestLog().get(0).gapsNs());
        assertEquals(new RequestEntry(3, 25_000_000L, null, 32, 1, 0, RequestEntry.Outcome.UNFINISHED, null,
                new long[0]), after.get(2).requestLog().get(3));
        assertNull(after.get(2).requestLog().get(0).admittedNs(), "admission not recorded");
        assertEquals(1_100_000_000L, after.get(0).requestLog().get(11).arrivalNs());
    }

    @Test
    void atomicWriteLeavesOnlyTheTarget() throws IOException {
        Path f = dir.resolve("result.json");
        ResultJson.write(TestResults.incomplete(), f);
        ResultJson.write(TestResults.twoPoints(), f); // replaces the existing file
        assertEquals(List.of("result.json"), filesInDir());
        assertTrue(ResultJson.read(f).complete());
    }

    @Test
    void failedWriteLeavesNoTemporaryFile() throws IOException {
        // A non-empty directory where the file should go: the final rename fails after the temp file was written.
        Path target = dir.resolve("taken");
        Files.createDirectories(target.resolve("inside"));
        TokenmeterException e = assertThrows(TokenmeterException.class,
                () -> ResultJson.write(TestResults.twoPoints(), target));
        assertContains(e.getMessage(), target.toString());
        assertEquals(List.of("taken"), filesInDir());
    }

    @Test
    void malformedJsonIsRefusedWithFileAndPosition() throws IOException {
        IllegalArgumentException e = refusal("broken.json", "{\"schemaVersion\": 1, \"points\": [");
        assertContains(e.getMessage(), "not valid JSON");
        assertContains(e.getMessage(), "line 1");
    }

    @Test
    void truncatedResultIsRefused() throws IOException {
        String json = ResultJson.toJson(TestResults.twoPoints());
        IllegalArgumentException e = refusal("cut.json", json.substring(0, json.length() / 2));
        assertContains(e.getMessage(), "not valid JSON");
    }

    @Test
    void newerSchemaVersionIsRefused() throws IOException {
        for (Result r : List.of(TestResults.twoPoints(), TestResults.serving())) {
            String json = ResultJson.toJson(r).replace("\"schemaVersion\" : 2", "\"schemaVersion\" : 3");
            assertContains(json, "\"schemaVersion\" : 3");
            IllegalArgumentException e = refusal("future.json", json);
            assertContains(e.getMessage(), ": schema version 3 is newer than this tokenmeter reads (2); upgrade"
                    + " tokenmeter");
        }
    }

    @Test
    void nonResultJsonIsRefused() throws IOException {
        assertContains(refusal("array.json", "[1, 2, 3]").getMessage(), "not a tokenmeter result");
        assertContains(refusal("other.json", "{\"name\": \"tiny\", \"vocab\": 512}").getMessage(),
                "no schemaVersion");
        assertContains(refusal("wrong.json", "{\"schemaVersion\": 1, \"points\": \"none\"}").getMessage(),
                "malformed tokenmeter result");
    }

    @Test
    void missingFileIsRefusedWithItsName() {
        Path f = dir.resolve("absent.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResultJson.read(f));
        assertEquals(f + ": no such file", e.getMessage());
    }
}
