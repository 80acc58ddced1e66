package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs stopped from outside, in a child JVM: Ctrl-C (SIGINT) before any point and after the first, SIGKILL mid-run
 * with the finished point recovered from the file in progress, and a second run on the same file while the first
 * goes. Each time a complete earlier result sits in the --json file, and must survive.
 *
 * <p>The child measures two points of the tiny model, the same number of trials each: the first of 2 output tokens,
 * the second of 1024 (a thousand times the decode steps), so that once the first point's file appears the child is
 * certainly inside the second when it is stopped. Nothing is timed.
 */
class InterruptedRunTest {
    private static final List<String> SMALL = List.of("run", "--model", "tiny", "--backend", "cpu", "--batch", "1",
            "--prompt-len", "4", "--gen", "2", "--warmup", "0", "--min-trials", "1", "--max-trials", "1",
            "--progress", "none");

    @TempDir
    static Path shared;
    /** A complete result, the earlier run each test's file holds. */
    private static String earlier;

    @TempDir
    Path dir;

    @BeforeAll
    static void measureTheEarlierResult() throws IOException {
        Path file = shared.resolve("earlier.json");
        expect(0, args(SMALL, "--json", file.toString()));
        earlier = Files.readString(file);
        assertTrue(ResultJson.read(file).complete());
    }

    private static String[] args(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    /** A child run of {@code outputLengths} (each point 50 trials), progress as lines, keeping its result in g.json. */
    private ChildCli child(String outputLengths) throws IOException {
        return ChildCli.start(dir, dir.resolve("stdout.txt").toFile(), List.of("run", "--model", "tiny", "--backend",
                "cpu", "--batch", "1", "--prompt-len", "4", "--gen", outputLengths, "--warmup", "0", "--warmup-time",
                "0", "--min-trials", "50", "--max-trials", "50", "--budget", "3600", "--progress", "lines",
                "--json", "g.json"));
    }

    private Path earlierFile() throws IOException {
        return Files.writeString(dir.resolve("g.json"), earlier);
    }

    /** Every file left in the folder but stdout: the result, its file in progress, and anything hidden. */
    private List<String> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("stdout.txt")).sorted().toList();
        }
    }

    @Test
    void ctrlCAfterTheFirstPointKeepsItBesideAndTheEarlierResultSurvives() throws Exception {
        assumeFalse(ChildCli.sigintIgnored(), "SIGINT is ignored by this JVM (started in the background by a"
                + " non-interactive shell), and so by a child: Ctrl-C cannot be simulated here");
        Path file = earlierFile();
        Path partial = dir.resolve("g.partial.json");
        try (ChildCli run = child("2,1024")) {
            run.awaitFile(partial);
            run.signal("INT");
            assertEquals(130, run.exitCode(), run.err());
            assertContains(run.err(), "interrupted: kept partial result (1 of 2 points) in g.partial.json; g.json"
                    + " left as it was");
        }
        assertEquals(earlier, Files.readString(file), "the complete earlier result is untouched");
        Result kept = ResultJson.read(partial);
        assertFalse(kept.complete());
        assertEquals(List.of("batch 1, prompt 4, output 2"), kept.points().stream().map(p -> p.label()).toList());
        assertEquals(List.of("interrupted after 1 of 2 points; a point in progress was lost"), kept.warnings());
        assertEquals(List.of("g.json", "g.partial.json"), files(), "no lock or temporary file left");
    }

    @Test
    void ctrlCBeforeAnyPointSaysThatNothingWasMeasured() throws Exception {
        assumeFalse(ChildCli.sigintIgnored(), "SIGINT is ignored by this JVM (started in the background by a"
                + " non-interactive shell), and so by a child: Ctrl-C cannot be simulated here");
        Path file = earlierFile();
        try (ChildCli run = child("1024")) {
            run.awaitErr("[1/1] batch 1, prompt 4, output 1024: started");
            run.signal("INT");
            assertEquals(130, run.exitCode(), run.err());
            assertContains(run.err(), "interrupted: nothing was measured; g.json left as it was");
        }
        assertEquals(earlier, Files.readString(file));
        assertEquals(List.of("g.json"), files());
    }

    @Test
    void sigkillLosesOnlyThePointInProgressAndASecondRunOnTheFileIsRefusedMeanwhile() throws Exception {
        Path file = earlierFile();
        Path partial = dir.resolve("g.partial.json");
        try (ChildCli run = child("2,1024")) {
            run.awaitFile(partial);
            // Two runs on one file: the second is refused before it measures anything.
            List<String> lines = new ArrayList<>(SMALL.subList(0, SMALL.size() - 2));
            CliRun second = expect(Main.EXIT_FAILED, args(lines, "--progress", "lines", "--json", file.toString()));
            assertContains(second.err(), file + " is being written by another tokenmeter run (pid " + run.pid() + ")");
            assertFalse(second.err().contains("[1/1]"), second.err());
            run.kill();
        }
        assertEquals(earlier, Files.readString(file));
        Result recovered = ResultJson.read(partial);
        assertFalse(recovered.complete());
        assertEquals(List.of("batch 1, prompt 4, output 2"), recovered.points().stream().map(p -> p.label()).toList());
        assertEquals(50, recovered.points(OfflinePoint.class).get(0).trials().size(),
                "the finished point whole, every trial");
        assertEquals(List.of("the run was still going when this was written: 1 of 2 points measured"),
                recovered.warnings());
        assertContains(expect(0, "report", partial.toString()).out(), "(INCOMPLETE)");

        // The next run on the file takes over the killed run's lock, and leaves only its complete result.
        CliRun next = expect(0, args(SMALL, "--json", file.toString()));
        assertContains(next.err(), "note: " + partial + " holds the points of an earlier run that stopped");
        Result now = ResultJson.read(file);
        assertTrue(now.complete());
        assertFalse(Files.readString(file).equals(earlier), "replaced by the new run's result");
        assertEquals(List.of("g.json"), files(), "no file in progress, lock or temporary file left");
    }
}
