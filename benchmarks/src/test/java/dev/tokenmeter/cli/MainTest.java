package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line run in-process on the CPU backend with the tiny model and small shapes. */
class MainTest {
    /** DESIGN's conformance values: request 0's prompt at seed 42, and its greedy continuation. */
    private static final int[] PROMPT_0 = {181, 329, 125, 292, 52, 129, 472, 89};
    private static final int[] GENERATED_0 = {108, 242, 163, 108, 242, 163, 97, 215};

    @TempDir
    static Path dir;
    private static CliRun small;
    private static Path smallJson;



    private static void assertContains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n" + text);
    }

    private static CliRun expect(int code, String... args) {
        CliRun r = cli(args);
        assertEquals(code, r.exitCode(), () -> String.join(" ", args) + "\nstdout:\n" + r.out() + "\nstderr:\n"
                + r.err());
        return r;
    }

    @BeforeAll
    static void runSmallBenchmark() {
        smallJson = dir.resolve("out").resolve("small.json");
        small = expect(0, "run", "--model", "tiny", "--backend", "cpu", "--batch", "1,2", "--prompt-len", "8",
                "--gen", "4", "--warmup", "0", "--min-trials", "1", "--max-trials", "1",
                "--json", smallJson.toString());
    }

    @Test
    void runWritesAResultThatReadsBack() throws IOException {
        Result r = ResultJson.read(smallJson);
        assertTrue(r.complete());
        assertEquals(2, r.points().size());
        assertEquals("cpu", r.environment().device().backend());
        try (Stream<Path> files = Files.list(smallJson.getParent())) {
            assertEquals(List.of("small.json"), files.map(p -> p.getFileName().toString()).collect(Collectors.toList()),
                    "an atomic write leaves no temporary file");
        }
        int[] batches = {1, 2};
        for (int i = 0; i < 2; i++) {
            OfflinePoint p = r.points(OfflinePoint.class).get(i);
            int b = batches[i];
            assertEquals(b, p.batch());
            assertEquals(8, p.promptLength());
            assertEquals(4, p.outputLength());
            assertEquals(1, p.trials().size());
            PointMetrics m = p.metrics();
            assertEquals(b, m.requests());
            assertEquals(b * 8L, m.inputTokens());
            assertEquals(b * 4L, m.outputTokens());
            assertEquals(3, p.trials().get(0).decodeStepMs().length, "one decode step per token after the first");
            double ttft = m.ttftMs().p50();
            double e2e = m.e2eMs().p50();
            assertTrue(ttft > 0 && e2e > ttft, "TTFT " + ttft + " ms, E2E " + e2e + " ms");
            assertTrue(m.tpotMs().p50() > 0 && m.itlMs().p99() > 0);
            // One trial: the rates are the token counts over its E2E time.
            double outRate = m.outputTokensPerSecond().p50();
            assertEquals(b * 4 / (e2e / 1e3), outRate, outRate * 1e-9);
            assertEquals(b * 12 / (e2e / 1e3), m.totalTokensPerSecond().p50(), outRate * 1e-9);
            assertEquals(b / (e2e / 1e3), m.requestsPerSecond().p50(), outRate * 1e-9);
            assertTrue(p.roofline().measured().prefillMfu() > 0 && p.roofline().measured().decodeMbu() > 0);
            assertNotNull(p.cost(), "the CPU has a price preset");
            assertTrue(p.cost().usdPerQuery() > 0 && p.cost().usdPerMillionOutput() > 0);
        }
    }

    @Test
    void runPrintsTheTableAndProgress() {
        Pattern row1 = Pattern.compile("(?m)^\\s*1\\s+8\\s+4\\s+1\\s+\\d");
        Pattern row2 = Pattern.compile("(?m)^\\s*2\\s+8\\s+4\\s+1\\s+\\d");
        assertTrue(row1.matcher(small.out()).find(), small.out());
        assertTrue(row2.matcher(small.out()).find(), small.out());
        assertContains(small.out(), "TTFT p50 ms");
        assertContains(small.out(), "model     tiny");
        assertContains(small.err(), "[2/2] batch 2, prompt 8, output 4: trial 1 (");
        assertContains(small.err(), "wrote " + smallJson);
        assertFalse(small.out().contains("[1/2]"), "progress goes to stderr only");
    }

    @Test
    void quietRunPrintsNoProgress() {
        CliRun r = expect(0, "run", "--model", "tiny", "--backend", "cpu", "--batch", "1", "--prompt-len", "4",
                "--gen", "2", "--warmup", "0", "--min-trials", "1", "--max-trials", "1", "--quiet");
        assertFalse(r.err().contains("[1/1]"), r.err());
        assertContains(r.out(), "TTFT p50 ms");
    }

    @Test
    void partialResultIsKeptAndAnEmptyOneIsNot() throws IOException {
        Result full = ResultJson.read(smallJson);
        Result partial = Result.of(full.startedAt(), full.finishedAt(), false, full.spec(), full.environment(),
                full.points().subList(0, 1), List.of("the run stopped after 1 of 2 points"));
        Path file = dir.resolve("partial.json");
        StringWriter err = new StringWriter();
        try (ResultSaver saver = new ResultSaver(file, new PrintWriter(err, true))) {
            saver.finished(partial);
        }
        assertFalse(Files.exists(file), "a partial result never takes the result's place");
        Result back = ResultJson.read(ResultSaver.partialOf(file));
        assertFalse(back.complete());
        assertEquals(1, back.points().size());
        assertContains(err.toString(), "kept partial result");

        Path none = dir.resolve("none.json");
        Result empty = Result.of(full.startedAt(), full.finishedAt(), false, full.spec(), full.environment(),
                List.of(), List.of());
        try (ResultSaver saver = new ResultSaver(none, new PrintWriter(new StringWriter(), true))) {
            saver.finished(empty);
        }
        assertFalse(Files.exists(none), "nothing measured, nothing written");
        assertFalse(Files.exists(ResultSaver.partialOf(none)), "nothing measured, nothing written");
    }

    @Test
    void generateReproducesTheConformanceTokens() throws IOException {
        CliRun r = expect(0, "generate", "--model", "tiny", "--seed", "42", "--prompt-len", "8", "--gen", "8",
                "--requests", "2", "--backend", "cpu");
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(1, r.out().strip().lines().count(), "one JSON document on stdout");
        JsonNode requests = root.get("requests");
        assertEquals(2, requests.size());
        JsonNode first = requests.get(0);
        assertEquals(0, first.get("request").asInt());
        assertEquals(toList(PROMPT_0), ints(first.get("prompt")));
        assertEquals(toList(GENERATED_0), ints(first.get("generated")));
        for (JsonNode req : requests) {
            JsonNode logits = req.get("final_logits");
            assertEquals(512, logits.size());
            int argmax = 0;
            for (int i = 1; i < logits.size(); i++) {
                if (logits.get(i).asDouble() > logits.get(argmax).asDouble()) {
                    argmax = i;
                }
            }
            JsonNode gen = req.get("generated");
            assertEquals(8, gen.size());
            assertEquals(gen.get(7).asInt(), argmax, "the final logits chose the last token");
        }
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> out = new ArrayList<>();
        for (int v : a) {
            out.add(v);
        }
        return out;
    }

    @Test
    void modelsListsEveryPreset() throws IOException {
        CliRun table = expect(0, "models");
        for (String name : ModelPresets.all().keySet()) {
            assertTrue(Pattern.compile("(?m)^" + Pattern.quote(name) + "\\s").matcher(table.out()).find(),
                    () -> name + " missing:\n" + table.out());
        }
        CliRun json = expect(0, "models", "--json");
        List<String> names = new ArrayList<>();
        new ObjectMapper().readTree(json.out()).forEach(n -> names.add(n.get("name").asText()));
        assertEquals(new ArrayList<>(ModelPresets.all().keySet()), names);
    }

    @Test
    void devicesShowsTheCpuUsable() {
        CliRun r = expect(0, "devices");
        assertContains(r.out(), "cpu: usable");
        assertContains(r.out(), "measured");
        assertContains(r.out(), "GB/s");
    }

    @Test
    void everyCommandHasHelp() {
        for (String c : List.of("run", "serve", "compare", "report", "plan", "generate", "models", "devices",
                "verify")) {
            assertContains(expect(0, c, "--help").out(), "Usage: tokenmeter " + c);
        }
        assertContains(expect(0, "--help").out(), "Usage: tokenmeter");
        assertContains(expect(0, "--version").out(), "tokenmeter ");
    }

    @Test
    void noCommandIsAUsageError() {
        assertContains(expect(2).err(), "tokenmeter: error: a command is needed");
    }

    @Test
    void unknownPresetNamesTheKnownOnes() {
        CliRun r = expect(2, "run", "--model", "no-such-model");
        assertContains(r.err(), "tokenmeter: error: unknown model preset 'no-such-model'");
        for (String name : ModelPresets.all().keySet()) {
            assertContains(r.err(), name);
        }
        assertFalse(r.err().contains("\tat "), "no stack trace for a usage error");
    }

    @Test
    void zeroBatchNamesTheOption() {
        assertContains(expect(2, "run", "--model", "tiny", "--batch", "0").err(), "--batch must be >= 1, got 0");
        assertContains(expect(2, "run", "--model", "tiny", "--batch", "1,x").err(), "'--batch'");
        assertContains(expect(2, "generate", "--requests", "0").err(), "--requests must be >= 1, got 0");
    }

    @Test
    void sequenceBeyondTheModelsPositionsNamesTheFigures() {
        CliRun r = expect(2, "run", "--model", "tiny", "--backend", "cpu", "--prompt-len", "4000", "--gen", "100");
        assertContains(r.err(), "4100");
        assertContains(r.err(), "4096");
        assertContains(expect(2, "generate", "--prompt-len", "4090", "--gen", "7").err(), "4097");
    }

    @Test
    void unknownBackendIsAUsageError() {
        CliRun r = expect(2, "run", "--model", "tiny", "--backend", "tpu");
        assertContains(r.err(), "unknown backend 'tpu'");
        assertContains(r.err(), "cpu");
        assertContains(expect(2, "generate", "--backend", "tpu").err(), "unknown backend 'tpu'");
    }

    @Test
    void badPriceAndOptionsAreUsageErrors() {
        assertContains(expect(2, "run", "--model", "tiny", "--price", "-1").err(), "--price");
        assertContains(expect(2, "run", "--model", "tiny", "--price", "tpu-v9").err(), "unknown price preset");
        assertContains(expect(2, "run", "--model", "tiny", "--utilization", "0").err(), "--utilization");
        assertContains(expect(2, "run", "--model", "tiny", "--min-trials", "3", "--max-trials", "2").err(),
                "--max-trials");
        assertContains(expect(2, "run", "--bogus").err(), "Unknown option: '--bogus'");
        assertContains(expect(2, "run", "--json", dir.toString()).err(), "is a directory");
    }

    @Test
    void modelTooLargeFailsFastWithTheFigures() {
        CliRun r = expect(1, "run", "--model", "llama-3.1-70b", "--backend", "cpu", "--json",
                dir.resolve("big.json").toString());
        // The memory plan's refusal, which comes before anything is allocated (the weights alone are 140 GB).
        assertContains(r.err(), "tokenmeter: error: model llama-3.1-70b does not fit");
        assertContains(r.err(), "GiB");
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
        assertFalse(Files.exists(dir.resolve("big.json")), "nothing measured, nothing written");
    }

    @Test
    void verboseShowsTheStackTrace() {
        CliRun r = expect(1, "-v", "generate", "--model", "llama-3.1-70b", "--backend", "cpu");
        assertContains(r.err(), "does not fit");
        assertContains(r.err(), "\tat ");
    }
}
