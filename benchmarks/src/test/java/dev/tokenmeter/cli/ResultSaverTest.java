package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.Benchmark;
import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import dev.tokenmeter.telemetry.EccCounts;
import dev.tokenmeter.telemetry.GpuIdentity;
import dev.tokenmeter.telemetry.TelemetryWindow;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@code run} and {@code serve} keep in their --json file when a run completes, fails, or is interrupted: one
 * saver for both scenarios, fed as the runner feeds it, with real points of each. The file only ever receives a
 * complete result; the points of a run in progress, failed or interrupted are in NAME.partial.json beside it.
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

    /** The hidden files a saver may leave beside {@code file}: the lock, temporary files of atomic writes. */
    private static List<String> hiddenBeside(Path file) throws IOException {
        try (Stream<Path> files = Files.list(file.toAbsolutePath().getParent())) {
            String name = file.getFileName().toString();
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("." + name) || n.startsWith("." + ResultSaver.partialOf(file)
                            .getFileName())).toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"offline", "serving"})
    void eachFinishedPointIsKeptBesideAndTheCompleteResultReplacesTheFileAtTheEnd(String scenario)
            throws IOException {
        Result r = measured.get(scenario);
        Path file = dir.resolve(scenario + "-complete.json");
        Path partial = dir.resolve(scenario + "-complete.partial.json");
        assertEquals(partial, ResultSaver.partialOf(file));
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(file, err, r, 2, 1)) {
            Result soFar = ResultJson.read(partial);
            assertFalse(soFar.complete(), "a run in progress is marked incomplete");
            assertEquals(tree(r.points().subList(0, 1)), tree(soFar.points()));
            assertEquals(List.of("the run was still going when this was written: 1 of 2 points measured"),
                    soFar.warnings());
            assertFalse(Files.exists(file), "the file gets only a complete result");
            s.pointStarted(r.points().get(1).label(), 1, 2);
            s.pointFinished(r.points().get(1), 1, 2);
            assertEquals(tree(r.points()), tree(ResultJson.read(partial).points()));
            s.finished(r);
        }
        assertEquals(ResultJson.toJson(r), ResultJson.toJson(ResultJson.read(file)));
        assertFalse(Files.exists(partial), "the file in progress is removed once the result is complete");
        assertEquals(List.of(), hiddenBeside(file), "no lock or temporary file left");
        assertEquals("wrote " + file, err.toString().strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"offline", "serving"})
    void aFailedRunKeepsItsPointsBesideAndNeverReplacesAnEarlierResult(String scenario) throws IOException {
        Result r = measured.get(scenario);
        Path file = dir.resolve(scenario + "-partial.json");
        ResultJson.write(r, file);
        String earlier = Files.readString(file);
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(file, err, r, 2, 1)) {
            s.finished(stopped(r, 1));
        }
        assertEquals(earlier, Files.readString(file), "the complete earlier result is untouched");
        Result back = ResultJson.read(ResultSaver.partialOf(file));
        assertFalse(back.complete());
        assertEquals(scenario, back.scenario());
        assertEquals(tree(r.points().subList(0, 1)), tree(back.points()));
        assertEquals(List.of("the run stopped after 1 of 2 points"), back.warnings());
        assertContains(err.toString(), "kept partial result (1 of 2 points) in " + ResultSaver.partialOf(file)
                + "; " + file + " left as it was");
        assertEquals(List.of(), hiddenBeside(file));

        Path untouched = dir.resolve(scenario + "-earlier.json");
        Files.writeString(untouched, "an earlier file");
        StringWriter quiet = new StringWriter();
        try (ResultSaver s = saver(untouched, quiet, r, 2, 0)) {
            s.finished(stopped(r, 0));
        }
        assertEquals("an earlier file", Files.readString(untouched), "nothing measured, nothing overwritten");
        assertFalse(Files.exists(ResultSaver.partialOf(untouched)));
        assertContains(quiet.toString(), "nothing was measured; " + untouched + " left as it was");
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
        assertFalse(Files.exists(file));
        Result back = ResultJson.read(ResultSaver.partialOf(file));
        assertFalse(back.complete());
        assertEquals(scenario, back.scenario());
        assertEquals(List.of(r.points().get(0).label()), back.points().stream().map(p -> p.label()).toList());
        assertTrue(back.warnings().contains("the run stopped after 1 of 2 points"), back.warnings().toString());
        assertContains(err.toString(), "kept partial result (1 of 2 points) in " + ResultSaver.partialOf(file)
                + "; " + file + " not written");
    }

    @ParameterizedTest
    @ValueSource(strings = {"offline", "serving"})
    void anInterruptedRunKeepsTheFinishedPointsUnlessItAlreadyWroteItsResult(String scenario) throws IOException {
        Result r = measured.get(scenario);
        Path file = dir.resolve(scenario + "-interrupted.json");
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(file, err, r, 2, 2)) {
            s.saveOnExit();  // what the shutdown hook does on Ctrl-C
        }
        assertFalse(Files.exists(file));
        Result back = ResultJson.read(ResultSaver.partialOf(file));
        assertFalse(back.complete());
        assertEquals(r.spec(), back.spec());
        assertEquals(r.environment(), back.environment());
        assertEquals(tree(r.points()), tree(back.points()));
        assertEquals(List.of("interrupted after 2 of 2 points; a point in progress was lost"), back.warnings());
        assertContains(err.toString(), "interrupted: kept partial result (2 of 2 points) in "
                + ResultSaver.partialOf(file) + "; " + file + " not written");
        assertEquals(List.of(), hiddenBeside(file), "the hook lets go of the file");

        Path done = dir.resolve(scenario + "-done.json");
        try (ResultSaver s = saver(done, new StringWriter(), r, 2, 1)) {
            s.finished(r);
            s.saveOnExit();  // a late hook finds the result written and leaves it
        }
        assertTrue(ResultJson.read(done).complete());
        assertEquals(2, ResultJson.read(done).points().size());
        assertFalse(Files.exists(ResultSaver.partialOf(done)));
    }

    @Test
    void thePointsKeptBesideCarryTheTelemetryOfTheirWindows() {
        // A run on a GPU hears its telemetry so far before each point finishes: the file in progress and an
        // interrupted run's file keep the windows of the points they hold (the run's end readings come only with it).
        Result r = measured.get("offline");
        List<TelemetryWindow> windows = r.points().stream().map(p -> new TelemetryWindow(p.label(), 2.0, 1400.0,
                TelemetryWindow.FROM_COUNTER, 700.0, 702.0, 1980, 1980, 3201, 61, List.of(), 21, 0.35, 2.8)).toList();
        GpuIdentity gpu = new GpuIdentity(0, "GPU-0a1b2c3d-4e5f-6789-abcd-ef0123456789", "00000000:3B:00.0",
                "NVIDIA H200");
        DeviceTelemetry first = new DeviceTelemetry(DeviceTelemetry.NVML, null, gpu, "580.95", 100,
                windows.subList(0, 1), new EccCounts(0L, 0L, 0L, 0L), null, null, null);
        Path file = dir.resolve("telemetry.json");
        try (ResultSaver s = new ResultSaver(file, new PrintWriter(new StringWriter(), true))) {
            s.started(r.spec(), r.environment());
            s.pointStarted(r.points().get(0).label(), 0, 2);
            s.telemetry(first);
            s.pointFinished(r.points().get(0), 0, 2);
            assertEquals(first, ResultJson.read(ResultSaver.partialOf(file)).environment().telemetry());
            s.saveOnExit();
        }
        Result kept = ResultJson.read(ResultSaver.partialOf(file));
        assertEquals(first, kept.environment().telemetry());
        assertEquals(r.environment().withTelemetry(first), kept.environment(), "the rest as the run started");
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
                ResultJson.read(ResultSaver.partialOf(file)).warnings());
        assertContains(err.toString(), "interrupted: kept partial result (1 point) in ");
    }

    @Test
    void anInterruptionBeforeAnyPointSaysThatNothingWasMeasured() throws IOException {
        Result r = measured.get("offline");
        Path earlier = dir.resolve("interrupted-early.json");
        Files.writeString(earlier, "an earlier file");
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(earlier, err, r, 2, 0)) {
            s.saveOnExit();
        }
        assertEquals("an earlier file", Files.readString(earlier));
        assertFalse(Files.exists(ResultSaver.partialOf(earlier)));
        assertEquals("interrupted: nothing was measured; " + earlier + " left as it was", err.toString().strip());

        StringWriter noFile = new StringWriter();
        try (ResultSaver s = new ResultSaver(null, new PrintWriter(noFile, true))) {
            s.saveOnExit();  // interrupted while the engine loads: not even started
        }
        assertEquals("interrupted: nothing was measured", noFile.toString().strip());
        StringWriter lost = new StringWriter();
        try (ResultSaver s = saver(null, lost, r, 2, 1)) {
            s.saveOnExit();
        }
        assertContains(lost.toString(), "interrupted after 1 of 2 points; they were not kept (--json FILE keeps");
    }

    @Test
    void aCompleteResultThatCannotBeWrittenFailsNamingWhereItsPointsAreAndAPartialOneIsOnlyReported()
            throws IOException {
        Result r = measured.get("offline");
        Path file = dir.resolve("unwritable.json");
        try (ResultSaver s = saver(file, new StringWriter(), r, 2, 2)) {
            // A non-empty folder where the file should go: the final rename fails, as on a full disk.
            Files.createDirectories(file.resolve("in-the-way"));
            RuntimeException e = assertThrows(RuntimeException.class, () -> s.finished(r));
            assertContains(e.getMessage(), "the points measured are kept in " + ResultSaver.partialOf(file));
        }
        assertEquals(2, ResultJson.read(ResultSaver.partialOf(file)).points().size());

        Path other = dir.resolve("unkept.json");
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(other, err, r, 2, 1)) {
            Files.delete(ResultSaver.partialOf(other));
            Files.createDirectories(ResultSaver.partialOf(other).resolve("in-the-way"));
            s.finished(stopped(r, 1));
        }
        assertContains(err.toString(), "tokenmeter: error: could not keep the partial result (1 of 2 points) in ");
        assertFalse(Files.exists(other));
    }

    @Test
    void aSecondRunOnTheSameFileIsRefusedWhileTheFirstGoes() throws IOException {
        Result r = measured.get("offline");
        Path file = dir.resolve("shared.json");
        try (ResultSaver first = saver(file, new StringWriter(), r, 2, 1)) {
            TokenmeterException e = assertThrows(TokenmeterException.class,
                    () -> new ResultSaver(file, new PrintWriter(new StringWriter(), true)));
            assertContains(e.getMessage(), file + " is being written by another tokenmeter run (pid "
                    + ProcessHandle.current().pid() + ")");
            first.finished(r);
        }
        StringWriter err = new StringWriter();
        try (ResultSaver second = saver(file, err, r, 2, 2)) {
            second.finished(r);
        }
        assertEquals("wrote " + file, err.toString().strip(), "once the first ended, the file is free");
        assertEquals(List.of(), hiddenBeside(file));
    }

    @Test
    void aLeftoverFileInProgressIsNotedAndALeftoverLockTakenOver() throws IOException {
        Result r = measured.get("offline");
        Path file = dir.resolve("killed.json");
        Files.writeString(ResultSaver.partialOf(file), "points of a killed run");
        Files.writeString(RunLock.lockFileOf(file), "999999999 1");  // its lock file; no process holds the lock
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(file, err, r, 2, 2)) {
            s.finished(r);
        }
        assertContains(err.toString(), "note: " + ResultSaver.partialOf(file) + " holds the points of an earlier run"
                + " that stopped; this run replaces it once it has measured a point");
        assertTrue(ResultJson.read(file).complete());
        assertEquals(List.of(), hiddenBeside(file), "the killed run's lock file is gone");
        assertFalse(Files.exists(ResultSaver.partialOf(file)));
    }

    @Test
    void aSpecialFileGetsOneDocumentAtTheEndAndNothingBesideIt() throws Exception {
        Path device = CliRun.nullDevice(dir);
        assumeTrue(device != null, "mknod is not permitted here (no CAP_MKNOD): no device to write to");
        Result r = measured.get("offline");
        StringWriter err = new StringWriter();
        try (ResultSaver s = saver(device, err, r, 2, 1)) {
            assertFalse(Files.exists(ResultSaver.partialOf(device)), "nothing is written beside a device");
            s.finished(stopped(r, 1));
        }
        assertFalse(Files.isRegularFile(device, LinkOption.NOFOLLOW_LINKS), "still a device");
        assertFalse(Files.exists(ResultSaver.partialOf(device)), "nothing is written beside a device");
        assertFalse(Files.exists(RunLock.lockFileOf(device)));
        assertContains(err.toString(), "wrote partial result (1 of 2 points) to " + device);
    }
}
