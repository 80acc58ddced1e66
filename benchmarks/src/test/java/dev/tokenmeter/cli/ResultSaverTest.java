package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.Benchmark;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@code run} and {@code serve} keep in their --json file when a run completes, fails, or is interrupted: one
 * saver for both scenarios, fed as the runner feeds it, with real points of each.
 */
class ResultSaverTest {
    @TempDir
    static Path dir;

    /** A real result of each scenario (two points each) to take a spec, an environment and points from. */
    private static Map<String, Result> measured;

    @BeforeAll
    static void measureOnce() {
        Path offline = dir.resolve("offline.json");
        CliRun.expect(0, "run", "--model", "tiny", "--backend", "cpu", "--batch", "1,2", "--prompt-len", "4", "--gen",
                "2", "--warmup", "0", "--min-trials", "1", "--max-trials", "1", "--progress", "none", "--json",
                offline.toString());
        Path serving = dir.resolve("serving.json");
        CliRun.expect(0, "serve", "--backend", "cpu", "--threads", "2", "--model", "tiny", "--prompt-len", "8",
                "--gen", "4", "--requests", "8", "--warmup-requests", "1", "--rate", "100,200", "--progress", "none",
                "--json", serving.toString());
        measured = Map.of("offline", ResultJson.read(offline), "serving", ResultJson.read(serving));
        measured.forEach((scenario, r) -> {
            assertEquals(scenario, r.scenario());
            assertEquals(2, r.points().size(), scenario);
        });
    }

    /**
     * A saver that has heard the run start and {@code finished} of its points measured, as the runner tells it.
     *
     * @param total the points the run announces; 0 where that is not known ahead (a search)
     */
    private static ResultSaver saver(Path file, StringWriter err, Result r, int total, int finished) {
        ResultSaver s = new ResultSaver(file, new PrintWriter(err, true));
        s.started(r.spec(), r.environment());
        for (int i = 0; i < finished; i++) {
            s.pointStarted(r.points().get(i).label(), i, total);
            s.pointFinished(r.points().get(i), i, total);
        }
        return s;
    }

    /** Points as JSON trees, which compare by value (a trial's timings are arrays, which records do not). */
    private static JsonNode tree(Object points) {
        return ResultJson.mapper().valueToTree(points);
    }

    /** The result a run that stopped after its first {@code n} points hands its listeners. */
    private static Result stopped(Result r, int n) {
        return Result.of(r.startedAt(), r.finishedAt(), false, r.spec(), r.environment(), r.points().subList(0, n),
                List.of("the run stopped after " + n + " of 2 points"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"offline", "serving"})
    void aCompleteRunIsWrittenWhole(String scenario) {
        Result r = measured.get(scenario);
        Path file = dir.resolve(scenario + "-complete.json");
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(file, err, r, 2, 2)) {
            s.finished(r);
        }
        assertEquals(ResultJson.toJson(r), ResultJson.toJson(ResultJson.read(file)));
        assertEquals("wrote " + file, err.toString().strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"offline", "serving"})
    void aFailedRunKeepsItsPointsAndOneThatMeasuredNothingLeavesTheFileAlone(String scenario) throws IOException {
        Result r = measured.get(scenario);
        Path file = dir.resolve(scenario + "-partial.json");
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(file, err, r, 2, 1)) {
            s.finished(stopped(r, 1));
        }
        Result back = ResultJson.read(file);
        assertFalse(back.complete());
        assertEquals(scenario, back.scenario());
        assertEquals(tree(r.points().subList(0, 1)), tree(back.points()));
        assertEquals(List.of("the run stopped after 1 of 2 points"), back.warnings());
        assertContains(err.toString(), "wrote partial result (1 of 2 points) to " + file);

        Path earlier = dir.resolve(scenario + "-earlier.json");
        Files.writeString(earlier, "an earlier file");
        StringWriter quiet = new StringWriter();
        try (ResultSaver s = saver(earlier, quiet, r, 2, 0)) {
            s.finished(stopped(r, 0));
        }
        assertEquals("an earlier file", Files.readString(earlier), "nothing measured, nothing overwritten");
        assertContains(quiet.toString(), "nothing measured; " + earlier + " not written");
    }

    @ParameterizedTest
    @ValueSource(strings = {"offline", "serving"})
    void aRunThatFailsMidwayThroughTheRunnerKeepsThePointItFinished(String scenario) {
        Result r = measured.get(scenario);
        Path file = dir.resolve(scenario + "-failed.json");
        StringWriter err = new StringWriter();
        RunListener failSecond = new RunListener() {
            @Override
            public void pointStarted(String point, int index, int total) {
                if (index == 1) {
                    throw new IllegalStateException("the second point fails");
                }
            }
        };
        try (ResultSaver s = new ResultSaver(file, new PrintWriter(err, true))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Benchmark.run(r.spec(), RunListener.all(s, failSecond)));
            assertEquals("the second point fails", e.getMessage());
        }
        Result back = ResultJson.read(file);
        assertFalse(back.complete());
        assertEquals(scenario, back.scenario());
        assertEquals(List.of(r.points().get(0).label()), back.points().stream().map(p -> p.label()).toList());
        assertTrue(back.warnings().contains("the run stopped after 1 of 2 points"), back.warnings().toString());
        assertContains(err.toString(), "wrote partial result (1 of 2 points) to " + file);
    }

    @ParameterizedTest
    @ValueSource(strings = {"offline", "serving"})
    void anInterruptedRunKeepsTheFinishedPointsUnlessItAlreadyWroteItsResult(String scenario) {
        Result r = measured.get(scenario);
        Path file = dir.resolve(scenario + "-interrupted.json");
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(file, err, r, 2, 2)) {
            s.saveOnExit();  // what the shutdown hook does on Ctrl-C
        }
        Result back = ResultJson.read(file);
        assertFalse(back.complete());
        assertEquals(r.spec(), back.spec());
        assertEquals(r.environment(), back.environment());
        assertEquals(tree(r.points()), tree(back.points()));
        assertEquals(List.of("interrupted after 2 of 2 points; a point in progress was lost"), back.warnings());
        assertContains(err.toString(), "interrupted: wrote partial result (2 of 2 points) to " + file);

        Path done = dir.resolve(scenario + "-done.json");
        try (ResultSaver s = saver(done, new StringWriter(), r, 2, 1)) {
            s.finished(r);
            s.saveOnExit();  // a late hook finds the result written and leaves it
        }
        assertTrue(ResultJson.read(done).complete());
        assertEquals(2, ResultJson.read(done).points().size());
    }

    @Test
    void anInterruptedSearchCountsItsPointsWithoutATotal() {
        Result r = measured.get("serving");
        Path file = dir.resolve("search-interrupted.json");
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(file, err, r, 0, 1)) {
            s.saveOnExit();
        }
        assertEquals(List.of("interrupted after 1 point; a point in progress was lost"),
                ResultJson.read(file).warnings());
        assertContains(err.toString(), "interrupted: wrote partial result (1 point) to " + file);
    }

    @Test
    void anInterruptionBeforeAnyPointWritesNothing() throws IOException {
        Result r = measured.get("offline");
        Path earlier = dir.resolve("interrupted-early.json");
        Files.writeString(earlier, "an earlier file");
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(earlier, err, r, 2, 0)) {
            s.saveOnExit();
        }
        assertEquals("an earlier file", Files.readString(earlier));
        assertEquals("", err.toString());
    }

    @Test
    void aCompleteResultThatCannotBeWrittenFailsAndAPartialOneIsOnlyReported() throws IOException {
        Result r = measured.get("offline");
        Path blocker = dir.resolve("not-a-directory");
        Files.writeString(blocker, "a file where a directory should be");
        Path file = blocker.resolve("r.json");
        try (ResultSaver s = saver(file, new StringWriter(), r, 2, 2)) {
            assertThrows(RuntimeException.class, () -> s.finished(r));
        }
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(file, err, r, 2, 1)) {
            s.finished(stopped(r, 1));
        }
        assertContains(err.toString(), "tokenmeter: error: could not keep the partial result: ");
        assertFalse(Files.exists(file));
    }
}
