package dev.tokenmeter.result;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.scenario.TrialRecord;
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
     * Records compare arrays by reference, so trials (which hold a double[]) are compared field by field and
     * the rest of the result as records with the trials left out.
     */
    static void assertSameResult(Result expected, Result actual) {
        assertEquals(withoutTrials(expected), withoutTrials(actual));
        for (int p = 0; p < expected.points().size(); p++) {
            List<TrialRecord> e = expected.points().get(p).trials();
            List<TrialRecord> a = actual.points().get(p).trials();
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
        List<PointResult> points = new ArrayList<>();
        for (PointResult p : r.points()) {
            points.add(new PointResult(p.batch(), p.promptLength(), p.outputLength(), p.warmupTrials(), List.of(),
                    p.metrics(), p.roofline(), p.cost(), p.precision(), p.warnings()));
        }
        return new Result(r.schemaVersion(), r.tool(), r.scenario(), r.startedAt(), r.finishedAt(), r.complete(),
                r.spec(), r.environment(), points, List.of(), r.warnings());
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
        for (Result r : List.of(TestResults.twoPoints(), TestResults.incomplete(), TestResults.withoutCost())) {
            Path f = dir.resolve("r.json");
            ResultJson.write(r, f);
            assertSameResult(r, ResultJson.read(f));
        }
    }

    @Test
    void nanSurvivesAsNanAndNullStaysNull() throws IOException {
        Path f = dir.resolve("nan.json");
        ResultJson.write(TestResults.twoPoints(), f);
        String text = Files.readString(f);
        assertContains(text, "\"decodeMbu\" : \"NaN\"");
        Result back = ResultJson.read(f);
        PointResult single = back.points().get(1);
        assertTrue(Double.isNaN(single.roofline().measured().decodeMbu()));
        assertTrue(Double.isNaN(single.roofline().measured().decodeMfu()));
        assertNull(single.metrics().tpotMs());
        assertNull(single.roofline().datasheet());
        assertNull(back.environment().device().datasheet());
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
        String json = ResultJson.toJson(TestResults.twoPoints())
                .replace("\"schemaVersion\" : " + Result.SCHEMA_VERSION,
                        "\"schemaVersion\" : " + (Result.SCHEMA_VERSION + 1));
        IllegalArgumentException e = refusal("future.json", json);
        assertContains(e.getMessage(), "schema version " + (Result.SCHEMA_VERSION + 1) + " is newer");
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
