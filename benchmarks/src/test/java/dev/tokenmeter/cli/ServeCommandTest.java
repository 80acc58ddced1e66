package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.cli;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.scenario.serving.ServingMode;
import dev.tokenmeter.scenario.serving.ServingPoint;
import dev.tokenmeter.scenario.serving.ServingScenario;
import dev.tokenmeter.scenario.serving.ServingSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenmeter serve} on the CPU with the tiny model: a rate sweep, a closed loop, a trace, the SLO search,
 * and bad input named by option. Speed is not asserted: only that each mode runs and reports what it should.
 */
class ServeCommandTest {
    @TempDir
    Path dir;

    private static final String[] TINY = {"serve", "--backend", "cpu", "--threads", "2", "--model", "tiny",
        "--prompt-len", "8:24", "--gen", "4:8", "--requests", "24", "--warmup-requests", "2"};

    private static String[] with(String... more) {
        String[] all = new String[TINY.length + more.length];
        System.arraycopy(TINY, 0, all, 0, TINY.length);
        System.arraycopy(more, 0, all, TINY.length, more.length);
        return all;
    }

    @Test
    void aRateSweepReportsEachPointAndWritesJson() throws IOException {
        Path json = dir.resolve("serve.json");
        CliRun r = expect(0, with("--rate", "50,200", "--slo", "ttft=10s,tpot=1s", "--json", json.toString()));
        assertContains(r.err(), "serving: tiny on cpu (");
        assertContains(r.err(), "; scheduler 64 sequences, step budget 256 tokens, KV ");
        assertContains(r.err(), "; slo ttft:p99=10000ms,tpot:p99=1000ms\n");
        assertContains(r.err(), "[1/2] rate 50.0: started\n");
        assertTrue(Pattern.compile("\n\\[1/2\\] rate 50\\.0 done: [0-9.]+ req/s, [0-9.]+ out tok/s, TTFT p99"
                + " [0-9.]+ ms, TPOT p99 [0-9.]+ ms, SLO met\n").matcher(r.err()).find(), r.err());
        assertContains(r.err(), "[2/2] rate 200 done: ");
        assertContains(r.err(), "wrote " + json);
        assertContains(r.out(), "serving run, 2 points");
        assertContains(r.out(), "rate 200");
        assertContains(r.out(), "  met  ");
        Result result = ResultJson.read(json);
        assertEquals(ServingScenario.NAME, result.scenario());
        assertTrue(result.complete());
        assertEquals(2, result.points(ServingPoint.class).size());
        ServingPoint p = result.points(ServingPoint.class).get(0);
        assertEquals(50.0, p.offeredRate());
        assertEquals(24, p.metrics().completed());
        assertTrue(p.metrics().ttftMs().p99() > 0);
        assertTrue(p.slo().goodFraction() > 0.99, "generous SLOs: every request is good");
        ServingSpec spec = (ServingSpec) result.spec().scenario();
        assertEquals(ServingMode.RATE, spec.mode());
        assertEquals(List.of(50.0, 200.0), spec.rates());
        // A serving result cannot be repeated by 'run', which says so.
        assertContains(expect(2, "run", "--spec", json.toString()).err(), "is a serving result");
        // compare reads serving results: this one against itself, every point's verdict unchanged.
        assertContains(expect(0, "compare", json.toString(), json.toString(), "--fail-on-regression", "3%").out(),
                "2 points compared: 0 verdict regressions, 0 verdict improvements, 2 unchanged");
        // And the other formats render it.
        assertContains(expect(0, with("--rate", "50", "--format", "csv")).out(), "offered_req_s");
    }

    @Test
    void aClosedLoopAndATraceRun() throws IOException {
        CliRun closed = expect(0, with("--concurrency", "4"));
        assertContains(closed.out(), "concurrency 4");
        Path trace = dir.resolve("t.jsonl");
        Files.writeString(trace, "{\"at\": 0.0, \"prompt\": 10, \"output\": 5}\n{\"at\": 0.01, \"prompt\": 20,"
                + " \"output\": 3}\n\n{\"at\": 0.02, \"prompt\": 5, \"output\": 6}\n");
        // The warm-up replays the trace's first requests, not --prompt-len/--gen's defaults (128 + 32), which would
        // not fit the context the trace sized (20 + 6).
        CliRun traced = expect(0, "serve", "--backend", "cpu", "--threads", "2", "--model", "tiny", "--trace",
                trace.toString());
        assertContains(traced.out(), "trace t.jsonl");
    }

    @Test
    void theSearchReportsABracket() {
        CliRun r = expect(0, with("--search", "5:40", "--slo", "ttft=10s,tpot=1s"));
        // Both ends of the bracket meet the SLOs: the search stops at its cap, which the report says.
        assertContains(r.err(), "[1] search 5.00: started\n");
        assertContains(r.err(), "[2] search 40.0 done: ");
        assertContains(r.out(), "warning: SLO search: highest rate meeting ttft:p99=10000ms,tpot:p99=1000ms: 40.0 req/s"
                + " (lowest failing: none; stopped: CAP_PASSES");
    }

    @Test
    void repeatedPointsKeepEveryRunAndCompareAsTrials() throws IOException {
        Path json = dir.resolve("repeated.json");
        CliRun r = expect(0, with("--rate", "100", "--repeat", "2", "--warmup-max-duration", "5", "--json",
                json.toString()));
        // 24 requests at 100 req/s last a quarter of a second: too short to judge, in both runs.
        assertContains(r.out(), "too short to judge 2/2");
        assertContains(r.out(), "note: rate 100: too short to judge whether the load was sustained");
        Result result = ResultJson.read(json);
        ServingSpec spec = (ServingSpec) result.spec().scenario();
        assertEquals(2, spec.repeat());
        assertEquals(5, spec.warmupMaxSeconds());
        ServingPoint p = result.points(ServingPoint.class).get(0);
        assertEquals(1, p.repeats().size(), "the second run beside the first");
        assertEquals(24, p.repeats().get(0).metrics().completed());
        assertEquals(spec.warmupRequests() > 0, p.warmup() != null, "the warm-up's report is on the first point");
        // Two runs a side are samples: compare tests them (too few to call anything significant, and nothing is).
        CliRun same = expect(0, "compare", json.toString(), json.toString(), "--fail-on-regression", "3%");
        assertContains(same.out(), "Means over trials (up to 2 baseline, 2 candidate)");
        assertContains(same.out(), "no significant regression beyond 3%");
        String csv = expect(0, with("--rate", "100", "--repeat", "2", "--format", "csv")).out();
        List<String> header = List.of(csv.lines().findFirst().orElseThrow().split(","));
        assertEquals("2", csv.lines().skip(1).findFirst().orElseThrow().split(",")[header.indexOf("runs")]);
    }

    @Test
    void badInputIsNamedByOption() throws IOException {
        assertContains(expect(2, with("--rate", "5", "--repeat", "0")).err(),
                "--repeat must be >= 1 (times each point is measured), got 0");
        assertContains(expect(2, with("--rate", "5", "--warmup-max-duration", "-1")).err(),
                "--warmup-max-duration must be a finite number of seconds >= 0 (0: the warm-up's first round alone),"
                        + " got -1.0");
        assertContains(expect(2, with("--rate", "0")).err(), "--rate");
        // Exactly one way of offering the load: picocli's argument group says so.
        assertContains(expect(2, with("--rate", "5", "--concurrency", "2")).err(),
                "--rate=REQ/S, --concurrency=N are mutually exclusive (specify only one)");
        assertContains(expect(2, with("--trace", "t.jsonl", "--search", "1:4")).err(),
                "--trace=FILE.jsonl, --search=LO:HI are mutually exclusive (specify only one)");
        String none = expect(2, TINY).err();
        assertContains(none, "Missing required argument (specify one of these): (--rate=REQ/S");
        assertContains(none, " | --concurrency=N");
        assertContains(none, " | --trace=FILE.jsonl | --search=LO:HI)");
        assertContains(expect(2, with("--search", "5:4", "--slo", "ttft=1s")).err(), "--search must be LO:HI");
        assertContains(expect(2, with("--search", "1:4")).err(), "--slo is needed by a search");
        // Checked by the spec where a trace uses it, and refused alike where it does not.
        assertContains(expect(2, with("--rate", "5", "--trace-scale", "0")).err(),
                "--trace-scale must be a finite factor > 0, got 0.0");
        Path trace = dir.resolve("scaled.jsonl");
        Files.writeString(trace, "{\"at\": 0.0, \"prompt\": 10, \"output\": 5}\n");
        assertContains(expect(2, with("--trace", trace.toString(), "--trace-scale", "-1")).err(),
                "--trace-scale must be a finite factor > 0, got -1.0");
        assertContains(expect(2, with("--rate", "5", "--slo", "ttft=fast")).err(), "--slo");
        assertContains(expect(2, "serve", "--backend", "cpu", "--model", "tiny", "--prompt-len", "0", "--rate", "5")
                .err(), "--prompt-len");
        assertContains(expect(2, "serve", "--backend", "cpu", "--model", "tiny", "--trace", dir.resolve("none.jsonl")
                .toString()).err(), "none.jsonl");
    }
}
