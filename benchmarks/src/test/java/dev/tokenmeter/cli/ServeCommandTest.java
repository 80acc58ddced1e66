package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.cli;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.ServingPointResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertContains(r.err(), "serve: tiny on cpu");
        assertContains(r.err(), "[rate 50.0]");
        assertContains(r.out(), "serving run, 2 points");
        assertContains(r.out(), "rate 200");
        assertContains(r.out(), "  met  ");
        Result result = ResultJson.read(json);
        assertEquals(Result.SERVING, result.scenario());
        assertTrue(result.complete());
        assertEquals(2, result.servingPoints().size());
        ServingPointResult p = result.servingPoints().get(0);
        assertEquals(50.0, p.offeredRate());
        assertEquals(24, p.metrics().completed());
        assertTrue(p.metrics().ttftMs().p99() > 0);
        assertTrue(p.slo().goodFraction() > 0.99, "generous SLOs: every request is good");
        assertEquals("rate", result.spec().serving().mode());
        assertEquals(java.util.List.of(50.0, 200.0), result.spec().serving().rates());
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
        // The warm-up takes the trace's first request's lengths, not --prompt-len/--gen's defaults (128 + 32), which
        // would not fit the context the trace sized (20 + 6).
        CliRun traced = expect(0, "serve", "--backend", "cpu", "--threads", "2", "--model", "tiny", "--trace",
                trace.toString());
        assertContains(traced.out(), "trace t.jsonl");
    }

    @Test
    void theSearchReportsABracket() {
        CliRun r = expect(0, with("--search", "5:40", "--slo", "ttft=10s,tpot=1s"));
        assertContains(r.err(), "highest rate meeting ttft:p99=10000ms,tpot:p99=1000ms:");
        assertContains(r.out(), "stopped: CAP_PASSES");
    }

    @Test
    void badInputIsNamedByOption() {
        assertContains(expect(2, with("--rate", "0")).err(), "--rate");
        assertContains(expect(2, with("--rate", "5", "--concurrency", "2")).err(),
                "give exactly one of --rate, --concurrency, --trace and --search");
        assertContains(expect(2, with("--search", "5:4", "--slo", "ttft=1s")).err(), "--search must be LO:HI");
        assertContains(expect(2, with("--search", "1:4")).err(), "--search needs --slo");
        assertContains(expect(2, with("--rate", "5", "--trace-scale", "0")).err(),
                "--trace-scale must be a finite number > 0, got 0.0");
        assertContains(expect(2, with("--rate", "5", "--slo", "ttft=fast")).err(), "--slo");
        assertContains(expect(2, "serve", "--backend", "cpu", "--model", "tiny", "--prompt-len", "0", "--rate", "5").err(),
                "--prompt-len");
        assertContains(expect(2, "serve", "--backend", "cpu", "--model", "tiny", "--trace", dir.resolve("none.jsonl")
                .toString()).err(), "none.jsonl");
    }
}
