package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.cli;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenmeter compare} on results built by hand (20 seeded trials per point, 2% noise per trial): exit
 * codes of the gate, refusals of unlike results, and bad files named with the reason.
 */
class CompareCommandTest {
    private static final int[][] POINTS = {{1, 32, 16}, {4, 32, 16}};

    @TempDir
    Path dir;

    /** A result of the tiny model on a CPU, every time scaled by {@code timeScale}, written to {@code name}. */
    private String write(String name, long seed, double timeScale) {
        return write(name, result(seed, timeScale, ModelPresets.get("tiny"), POINTS));
    }

    private String write(String name, Result r) {
        Path file = dir.resolve(name);
        ResultJson.write(r, file);
        return file.toString();
    }

    private String writeText(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file.toString();
    }

    static Result result(long seed, double timeScale, ModelConfig model, int[][] points) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<OfflinePoint> out = new ArrayList<>();
        for (int[] k : points) {
            double scale = timeScale * (1 + 0.1 * (k[0] - 1));
            List<TrialRecord> trials = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                double prefill = 12.0 * scale * (1 + 0.02 * rnd.nextGaussian());
                double step = 3.0 * scale * (1 + 0.02 * rnd.nextGaussian());
                double[] steps = new double[k[2] - 1];
                for (int j = 0; j < steps.length; j++) {
                    steps[j] = step * (1 + 0.005 * rnd.nextGaussian());
                }
                trials.add(new TrialRecord(prefill, steps, prefill, step * steps.length));
            }
            out.add(new OfflinePoint(k[0], k[1], k[2], 1, trials, PointMetrics.offline(k[0], k[1], k[2], trials),
                    null, null, null, List.of()));
        }
        List<Integer> batches = out.stream().map(OfflinePoint::batch).distinct().toList();
        RunSpec spec = new RunSpec(model, "cpu", 42, 0, null, new OfflineSpec(batches, List.of(32), List.of(16),
                new MeasurementPolicy(1, 10, 20, 20.0)));
        DeviceInfo device = new DeviceInfo("cpu", "Test CPU 9000", "cpu", 2, 8_000_000_000L, 32L << 20,
                new DeviceCeilings(20e9, 100e9, "test"), null, Map.of());
        Environment env = new Environment("0.1.0-test", "abc1234", "Test JVM", "Test OS", "Test CPU 9000", 2,
                4L << 30, device);
        return Result.of("2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z", true, spec, env, out, List.of());
    }

    @Test
    void identicalDistributionsPassTheGate() {
        String a = write("a.json", 1, 1.0);
        String b = write("b.json", 2, 1.0);
        CliRun r = expect(0, "compare", a, b, "--fail-on-regression", "3%");
        assertEquals("no significant regression beyond 3%", r.lastLine());
        assertContains(r.out(), "2 points compared: 0 significant regressions, 0 improvements, 10 without"
                + " significant change");
        assertEquals("", r.err());
    }

    @Test
    void aFivePercentThroughputDropFailsAThreePercentGateOnly() {
        String a = write("a.json", 3, 1.0);
        String b = write("b.json", 4, 1 / 0.95);
        for (String threshold : new String[] {"3%", "0.03", "3"}) {
            CliRun r = expect(Main.EXIT_REGRESSION, "compare", a, b, "--fail-on-regression", threshold);
            assertTrue(r.lastLine().startsWith("REGRESSION: batch "), r.out());
            assertContains(r.out(), "REGRESSION: batch 1, prompt 32, output 16: output tok/s -");
            assertContains(r.out(), "beyond 3%");
        }
        CliRun r = expect(0, "compare", a, b, "--fail-on-regression", "10%");
        assertEquals("no significant regression beyond 10% (10 significant regressions within it)", r.lastLine());
        CliRun plain = expect(0, "compare", a, b);
        assertContains(plain.out(), "10 significant regressions");
        assertFalse(plain.out().contains("REGRESSION:"), "no gate, no gate lines");
    }

    @Test
    void aFivePercentLatencyRiseFailsTheGate() {
        CliRun r = expect(3, "compare", write("a.json", 5, 1.0), write("b.json", 6, 1.05), "--fail-on-regression",
                "3%");
        assertTrue(r.out().lines().filter(l -> l.startsWith("REGRESSION: ")).count() == 10, r.out());
        assertContains(r.out(), "TTFT +");
    }

    @Test
    void anImprovementNeverFailsTheGate() {
        CliRun r = expect(0, "compare", write("a.json", 7, 1.0), write("b.json", 8, 0.95), "--fail-on-regression",
                "0%");
        assertEquals("no significant regression beyond 0%", r.lastLine());
        assertContains(r.out(), "10 improvements");
    }

    @Test
    void differentModelsAreRefusedUnlessForced() {
        String a = write("tiny.json", 9, 1.0);
        String b = write("big.json", result(10, 1.0, ModelPresets.get("llama-110m"), POINTS));
        CliRun refused = expect(2, "compare", a, b, "--fail-on-regression", "3%");
        assertContains(refused.err(), "tokenmeter: error: " + a + " and " + b + " were not measured alike: model:"
                + " tiny in " + a + ", llama-110m in " + b + " (they also differ in vocab, hidden, layers");
        assertContains(refused.err(), "--force compares them anyway");
        assertEquals("", refused.out());

        CliRun forced = expect(0, "compare", a, b, "--force");
        assertContains(forced.out(), "warning: compared although the runs differ: model: tiny in " + a
                + ", llama-110m in " + b);
    }

    @Test
    void badFilesAreNamedWithTheReason() throws IOException {
        String good = write("good.json", 11, 1.0);
        String notJson = writeText("broken.json", "{\"schemaVersion\": 1, ");
        String newer = writeText("newer.json", "{\"schemaVersion\": 99}");
        String empty = writeText("empty.json", "{\"schemaVersion\": 1}");
        String missing = dir.resolve("missing.json").toString();
        assertContains(expect(2, "compare", good, notJson).err(), notJson + ": not valid JSON");
        assertContains(expect(2, "compare", newer, good).err(), newer + ": schema version 99 is newer than this"
                + " tokenmeter reads (" + Result.SCHEMA_VERSION + "); upgrade tokenmeter");
        assertContains(expect(2, "compare", good, empty).err(), empty + ": malformed tokenmeter result");
        // Of the current version too, not only of the one upgraded on read.
        String emptyCurrent = writeText("empty2.json", "{\"schemaVersion\": " + Result.SCHEMA_VERSION + "}");
        assertContains(expect(2, "compare", emptyCurrent, good).err(), emptyCurrent + ": malformed tokenmeter result");
        assertContains(expect(2, "compare", missing, good).err(), missing + ": no such file");
    }

    @Test
    void pointsOnlyInOneFileAreListed() {
        String a = write("a.json", result(12, 1.0, ModelPresets.get("tiny"), new int[][] {{1, 32, 16}, {2, 32, 16}}));
        String b = write("b.json", result(13, 1.0, ModelPresets.get("tiny"), new int[][] {{1, 32, 16}, {8, 32, 16}}));
        CliRun r = expect(0, "compare", a, b);
        assertContains(r.out(), "only in " + a + " (not compared): batch 2, prompt 32, output 16");
        assertContains(r.out(), "only in " + b + " (not compared): batch 8, prompt 32, output 16");
        assertContains(r.out(), "1 point compared");
    }

    /** A gate never passes on missing points: the candidate lacks one of the baseline's, so exit 3 names it. */
    @Test
    void aCandidateLackingABaselinePointFailsTheGate() throws IOException {
        String a = write("a.json", result(17, 1.0, ModelPresets.get("tiny"), new int[][] {{1, 32, 16}, {2, 32, 16}}));
        String b = write("b.json", result(18, 1.0, ModelPresets.get("tiny"), new int[][] {{1, 32, 16}}));
        Path md = dir.resolve("gate.md");
        CliRun r = expect(Main.EXIT_REGRESSION, "compare", a, b, "--fail-on-regression", "3%", "--markdown",
                md.toString());
        assertEquals("MISSING: " + b + " lacks a point that " + a + " has: batch 2, prompt 32, output 16 (the gate"
                + " does not pass on points that were not measured)", r.lastLine());
        assertContains(r.out(), "no significant regression beyond 3%");
        assertContains(Files.readString(md), "**MISSING: " + b + " lacks a point");
        // A candidate with more points than the baseline misses nothing.
        assertEquals("no significant regression beyond 3%", expect(0, "compare", b, a, "--fail-on-regression",
                "3%").lastLine());
    }

    /** An interrupted candidate fails the gate even where the points it has are fine. */
    @Test
    void anIncompleteCandidateFailsTheGate() {
        Result full = result(19, 1.0, ModelPresets.get("tiny"), POINTS);
        String a = write("a.json", 20, 1.0);
        String b = write("b.json", new Result(full.schemaVersion(), full.tool(), full.startedAt(), full.finishedAt(),
                false, full.spec(), full.environment(), full.points(), List.of("interrupted after 2 points")));
        CliRun r = expect(Main.EXIT_REGRESSION, "compare", a, b, "--fail-on-regression", "3%");
        assertEquals("MISSING: " + b + " is an incomplete run: it stopped before all its points were measured (the"
                + " gate does not pass on points that were not measured)", r.lastLine());
        assertContains(expect(0, "compare", a, b).out(), "warning: " + b + " is an incomplete run");
    }

    @Test
    void markdownGoesToAFile() throws IOException {
        Path md = dir.resolve("summary.md");
        expect(3, "compare", write("a.json", 14, 1.0), write("b.json", 15, 1.05), "--fail-on-regression", "3%",
                "--markdown", md.toString());
        String text = Files.readString(md);
        assertContains(text, "| batch | prompt | output | metric |");
        assertContains(text, "**REGRESSION: batch ");
    }

    @Test
    void badOptionsAreUsageErrors() {
        String a = write("a.json", 16, 1.0);
        assertContains(expect(2, "compare", a, a, "--fail-on-regression", "lots").err(),
                "--fail-on-regression: a regression threshold is a percentage such as 3%");
        assertContains(expect(2, "compare", a, a, "--alpha", "0").err(), "--alpha: alpha");
        assertContains(expect(2, "compare", a).err(), "Missing required parameter: 'CANDIDATE'");
        assertContains(expect(2, "compare", a, a, "--markdown", dir.toString()).err(), "is a directory");
    }

    @Test
    void helpNamesTheCommandAndItsExitCodes() {
        assertContains(expect(0, "--help").out(), "compare");
        CliRun help = expect(0, "compare", "--help");
        assertContains(help.out(), "--fail-on-regression=THRESHOLD");
        assertContains(help.out(), "3   --fail-on-regression: a significant regression beyond the threshold");
    }
}
