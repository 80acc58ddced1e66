package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenmeter compare} on serving results: results built from hand-made request records (so that their SLO
 * and load verdicts are computed as {@code serve} computes them) written as JSON, and two real {@code serve} runs
 * of the tiny model.
 */
class CompareServingCommandTest {
    private static final SloSet SLO = SloSet.parse("ttft=200ms,tpot=50ms");
    private static final int REQUESTS = 24;

    @TempDir
    Path dir;

    /**
     * A point at {@code rate} req/s of {@value #REQUESTS} requests, prompt 16 and output 4 tokens. Served at once:
     * TTFT 20 ms and a token every 10 ms, every time times {@code scale} (steady, SLOs met up to a scale of 5).
     * Queued: one request after another, 250 ms each, so that the queue grows (overloaded, TTFT SLO missed).
     */
    private static ServingPoint point(double rate, double scale, boolean queued) {
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            double at = i * 1000 / rate;
            double first = queued ? 250.0 * (i + 1) - 30 : at + 20 * scale;
            double gap = queued ? 10 : 10 * scale;
            long[] tokens = new long[4];
            for (int t = 0; t < tokens.length; t++) {
                tokens[t] = (long) ((first + t * gap) * 1e6);
            }
            records.add(new RequestRecord(new Arrival(i, at / 1e3, 16, 4), (long) (at * 1e6), tokens, 0));
        }
        long end = records.get(records.size() - 1).tokenNanos()[3];
        String label = String.format(Locale.ROOT, "rate %.3g", rate);
        return ServingPoint.of(label, ServingMode.RATE, rate, 0, "16", "4",
                new ServingLoop.Outcome(records, List.of(), 4L * REQUESTS, 0, end, peakInFlight(records)), SLO, null);
    }

    /** The most requests that had arrived and not yet received their last token at one time. */
    private static int peakInFlight(List<RequestRecord> records) {
        int peak = 0;
        for (RequestRecord r : records) {
            long at = r.arrivalNanos();
            int inFlight = 0;
            for (RequestRecord o : records) {
                long[] t = o.tokenNanos();
                inFlight += o.arrivalNanos() <= at && at < t[t.length - 1] ? 1 : 0;
            }
            peak = Math.max(peak, inFlight);
        }
        return peak;
    }

    private static Result result(String promptLength, ServingPoint... points) {
        List<Double> rates = Arrays.stream(points).map(ServingPoint::offeredRate).toList();
        ServingSpec spec = new ServingSpec(ServingMode.RATE, rates, 1.0, List.of(), null, null, 1.0, 0, 0, 0, 0,
                REQUESTS,
                LengthDistribution.parse("--prompt-len", promptLength), LengthDistribution.fixed(4), SLO, 16, 256, 16,
                64, 2, 0, 600, 1);
        DeviceInfo device = new DeviceInfo("cpu", "Test CPU 9000", "cpu", 2, 8_000_000_000L, 32L << 20,
                new DeviceCeilings(20e9, 100e9, "test"), null, Map.of());
        Environment env = new Environment("0.1.0-test", "abc1234", "Test JVM", "Test OS", "Test CPU 9000", 2,
                4L << 30, device);
        return Result.of("2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z", true,
                new RunSpec(ModelPresets.get("tiny"), "cpu", 42, 0, null, spec), env, List.of(points), List.of());
    }

    private String write(String name, Result r) {
        Path file = dir.resolve(name);
        ResultJson.write(r, file);
        return file.toString();
    }

    @Test
    void slowerPointsWithinTheirSlosPassTheGateAndSaySoWithoutATest() {
        String a = write("a.json", result("16", point(5, 1.0, false), point(10, 1.0, false)));
        String b = write("b.json", result("16", point(5, 1.3, false), point(10, 1.3, false)));
        CliRun r = expect(0, "compare", a, b, "--fail-on-regression", "3%");
        assertContains(r.out(), "rate 10.0  met           steady         met            steady          unchanged");
        assertContains(r.out(), "TTFT p99 ms");
        assertContains(r.out(), "+30.0%  not tested (one run per point)");
        assertContains(r.out(), "Serving points are single runs");
        assertContains(r.out(), "2 points compared: 0 verdict regressions, 0 verdict improvements, 2 unchanged;");
        assertEquals("no verdict regression: no point stopped meeting its SLOs or became OVERLOADED (serving points"
                + " are single runs: their differences are not tested, and 3% does not apply to them)",
                r.lastLine());
        assertEquals("", r.err());
    }

    @Test
    void aPointThatStopsPassingFailsTheGate() throws IOException {
        String a = write("a.json", result("16", point(5, 1.0, false), point(10, 1.0, false)));
        String b = write("b.json", result("16", point(5, 1.0, false), point(10, 1.0, true)));
        Path md = dir.resolve("summary.md");
        CliRun r = expect(Main.EXIT_REGRESSION, "compare", a, b, "--fail-on-regression", "50%", "--markdown",
                md.toString());
        assertTrue(r.lastLine().startsWith("REGRESSION: rate 10.0: stopped meeting its SLOs and became OVERLOADED ("
                + b + ": missed ttft:p99 "), r.out());
        assertContains(r.out(), "1 verdict regression,");
        assertContains(Files.readString(md), "| rate 10.0 | met | steady | missed | OVERLOADED | **REGRESSION** |");
        assertContains(Files.readString(md), "**REGRESSION: rate 10.0: stopped meeting its SLOs");

        CliRun plain = expect(0, "compare", a, b);
        assertContains(plain.out(), "REGRESSION at rate 10.0: stopped meeting its SLOs and became OVERLOADED");
        assertFalse(plain.out().contains("REGRESSION: "), "no gate, no gate lines");
        // The other way round, the point now passes: an improvement, and the gate passes.
        assertContains(expect(0, "compare", b, a, "--fail-on-regression", "0").out(),
                "improvement at rate 10.0: now meets its SLOs and is no longer OVERLOADED");
    }

    @Test
    void aServingResultAndAnOfflineOneAreRefusedForcedOrNot() {
        String serving = write("serve.json", result("16", point(5, 1.0, false)));
        String offline = write("run.json", CompareCommandTest.result(1, 1.0, ModelPresets.get("tiny"),
                new int[][] {{1, 32, 16}}));
        for (String[] args : new String[][] {{"compare", offline, serving}, {"compare", serving, offline, "--force"}}) {
            CliRun r = expect(2, args);
            // Named in the order given, each with its scenario.
            String baseline = args[1];
            String candidate = args[2];
            String[] scenarios = baseline.equals(serving) ? new String[] {"serving", "offline"}
                    : new String[] {"offline", "serving"};
            assertContains(r.err(), "tokenmeter: error: " + baseline + " is a");
            String article = scenarios[1].equals("offline") ? " an " : " a ";
            assertContains(r.err(), " " + scenarios[0] + " result and " + candidate + article + scenarios[1] + " one:"
                    + " their points have nothing to match; compare two results of the same scenario (forcing does"
                    + " not change this)");
            assertFalse(r.err().contains("--force compares them anyway"), r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void differentWorkloadsAreRefusedUnlessForced() {
        String a = write("a.json", result("16", point(5, 1.0, false)));
        String b = write("b.json", result("8:24", point(5, 1.0, false)));
        CliRun refused = expect(2, "compare", a, b, "--fail-on-regression", "3%");
        assertContains(refused.err(), a + " and " + b + " were not measured alike: serving promptLength"
                + " (--prompt-len): 16 in " + a + ", 8:24 in " + b + "; --force compares them anyway");
        CliRun forced = expect(0, "compare", a, b, "--force", "--fail-on-regression", "3%");
        assertContains(forced.out(), "warning: compared although the runs differ: serving promptLength");
    }

    @Test
    void twoRealServeRunsCompare() {
        String[] serve = {"serve", "--backend", "cpu", "--threads", "2", "--model", "tiny", "--prompt-len", "8:24",
            "--gen", "4:8", "--requests", "16", "--warmup-requests", "2", "--rate", "50,100", "--slo",
            "ttft=10s,tpot=1s", "--json"};
        String a = dir.resolve("a.json").toString();
        String b = dir.resolve("b.json").toString();
        for (String file : new String[] {a, b}) {
            String[] args = Arrays.copyOf(serve, serve.length + 1);
            args[serve.length] = file;
            expect(0, args);
        }
        CliRun r = expect(0, "compare", a, b);
        assertContains(r.out(), "rate 50.0");
        assertContains(r.out(), "rate 100");
        assertContains(r.out(), "not tested (one run per point)");
        assertContains(r.out(), "2 points compared:");
    }

    @Test
    void helpSaysWhatFailsTheGateForServingResults() {
        // Words only: picocli wraps the lines where the terminal's width says.
        String help = expect(0, "compare", "--help").out().replaceAll("\\s+", " ");
        assertContains(help, "Or two results of 'tokenmeter serve --json'");
        assertContains(help, "Each serving point is a single run, so these changes are NOT tested for significance");
        assertContains(help, "Serving results: only a verdict that got worse fails the gate, a point that passed in"
                + " BASELINE (SLOs met, not overloaded) and fails in CANDIDATE, or that became OVERLOADED.");
        assertContains(help, "THRESHOLD does not apply");
    }
}
