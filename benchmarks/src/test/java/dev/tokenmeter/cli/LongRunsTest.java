package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long work says what it is doing: how long a run will take before it starts, the phases that report nothing
 * themselves (the engine's load, a warm-up) once they take long, the search's limits as options, and, on an
 * interrupt, the bracket a search found so far, on stderr and in the kept file.
 */
class LongRunsTest {
    private static final String[] SEARCH = {"serve", "--backend", "cpu", "--threads", "2", "--model", "tiny",
        "--prompt-len", "8", "--gen", "3", "--requests", "6", "--warmup-requests", "0", "--slo", "e2e=10s",
        "--search", "200:400"};

    @TempDir
    Path dir;

    private static String[] search(String... more) {
        String[] all = new String[SEARCH.length + more.length];
        System.arraycopy(SEARCH, 0, all, 0, SEARCH.length);
        System.arraycopy(more, 0, all, SEARCH.length, more.length);
        return all;
    }

    @Test
    void aRunSaysItsEstimateAndItsSilentPhasesWhereTheyAreSlow() {
        StringWriter text = new StringWriter();
        // Every silent phase shown at once (quiet 0), as a slow load would be after a few seconds.
        ConsoleProgress p = new ConsoleProgress(new PrintWriter(text, true), ConsoleProgress.Mode.LINES, 0, 0);
        RunSpec spec = Benchmark.offline().model("tiny").backend("cpu").threads(1).batchSizes(1).promptLengths(8)
                .outputLengths(4).measurement(new MeasurementPolicy(0, 2, 2, 5)).spec();
        Benchmark.run(spec, p);
        List<String> lines = text.toString().lines().toList();
        assertTrue(lines.get(0).startsWith("loading tiny on cpu ("), lines.toString());
        assertTrue(lines.get(0).contains(" parameters of synthetic weights) ("), lines.get(0));
        assertTrue(lines.get(1).matches("loading tiny on cpu \\(.*\\): done in [0-9.]+ s"), lines.get(1));
        assertTrue(lines.get(2).startsWith("offline: tiny on cpu ("), lines.get(2));
        assertEquals("estimated duration: at most about 5.0 s: 1 point, each no warm-up, then 2 to 2 trials within a"
                + " budget of 5.0 s (more where a single trial outlasts these)", lines.get(3));
        assertTrue(lines.get(4).startsWith("warming up before the first point ("), lines.get(4));
        assertTrue(lines.get(5).startsWith("warming up before the first point: done in "), lines.get(5));
        assertEquals("[1/1] batch 1, prompt 8, output 4: started", lines.get(6));
    }

    @Test
    void aPhaseShorterThanItsQuietTimeSaysNothing() {
        StringWriter text = new StringWriter();
        try (SlowPhase phase = SlowPhase.start(new PrintWriter(text, true), "loading", 3_600_000_000_000L)) {
            assertEquals("", text.toString());
        }
        assertEquals("", text.toString(), "nothing shown, so no end either");
    }

    @Test
    void theSearchsLimitsAreOptionsRecordedInTheResult() {
        Path json = dir.resolve("search.json");
        CliRun r = expect(0, search("--search-tolerance", "20%", "--search-probes", "2", "--json", json.toString()));
        assertContains(r.err(), "estimated duration: at least ");
        assertContains(r.err(), ": up to 2 probes of 6 requests each, arriving over ");
        assertContains(r.err(), "the search stops once its bracket is within 20%");
        Result result = ResultJson.read(json);
        ServingSpec spec = (ServingSpec) result.spec().scenario();
        assertEquals(0.2, spec.searchTolerance(), 1e-12);
        assertEquals(2, spec.searchProbes());
        assertTrue(result.points().size() <= 2, "at most 2 probes: " + result.points().size());

        assertContains(expect(2, search("--search-tolerance", "0")).err(),
                "--search-tolerance must be a fraction in (0, 1) or a percentage such as 5%, got '0'");
        assertContains(expect(2, search("--search-tolerance", "150%")).err(), "got '150%'");
        assertContains(expect(2, search("--search-probes", "1")).err(), "--search-probes must be >= 2");
        assertContains(expect(2, "serve", "--model", "tiny", "--rate", "1", "--search-probes", "4").err(),
                "--search-probes applies to --search only");
        CliRun help = expect(0, "serve", "--help");
        assertContains(help.out(), "--search-tolerance=FRACTION|N%");
        assertContains(help.out(), "--search-probes=N");
        // The mode is required: the synopsis shows its group in parentheses, not brackets; progress is run's.
        assertContains(help.out(), " (--rate=REQ/S[,REQ/S...]");
        assertContains(help.out(), "--search=LO:HI)");
        assertContains(help.out(), "--progress=auto|bar|lines|none");
        assertContains(help.out(), "--quiet");
    }

    /**
     * What the shutdown hooks do on Ctrl-C after a search's first probe: the bracket so far on stderr, and in the
     * kept file's warnings. (InterruptedSearchTest sends the signal to a real run.)
     */
    @Test
    void anInterruptedSearchSaysAndKeepsItsBracketSoFar() {
        RunSpec spec = Benchmark.serving().model("tiny").backend("cpu").threads(2).search(200, 400).requests(6)
                .promptLengths(LengthDistribution.fixed(8)).outputLengths(LengthDistribution.fixed(3))
                .slo(SloSet.parse("e2e=10s")).warmupRequests(0).spec();
        Result full = Benchmark.run(spec, dev.tokenmeter.result.RunListener.NONE);
        ScenarioPoint first = full.points().get(0);
        String expected = "SLO search: highest rate meeting e2e:p99=10000ms: ";

        StringWriter text = new StringWriter();
        PrintWriter err = new PrintWriter(text, true);
        Path json = dir.resolve("cut.json");
        // The finished points go beside the file, never in its place.
        Path partial = dir.resolve("cut.partial.json");
        try (ResultSaver saver = new ResultSaver(json, err)) {
            saver.started(full.spec(), full.environment());
            saver.pointStarted(first.label(), 0, 0);
            saver.pointFinished(first, 0, 0);
            saver.saveOnExit();
        }
        String said = text.toString();
        assertContains(said, "interrupted: " + expected);
        assertContains(said, "stopped early, after 1 probe: the answer so far");
        Result kept = ResultJson.read(partial);
        assertFalse(kept.complete());
        String warning = kept.warnings().stream().filter(w -> w.startsWith(expected)).findFirst().orElseThrow();
        assertContains(warning, "stopped early, after 1 probe: the answer so far");

        // A run that ended by itself says its answer through its result: the hook then says nothing.
        StringWriter quiet = new StringWriter();
        try (ResultSaver saver = new ResultSaver(dir.resolve("whole.json"), new PrintWriter(quiet, true))) {
            saver.started(full.spec(), full.environment());
            saver.pointFinished(first, 0, 0);
            saver.finished(full);
            saver.saveOnExit();
        }
        assertFalse(quiet.toString().contains("interrupted"), quiet.toString());
    }
}
