package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.cli;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.TextTable;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.serving.ServingPoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenmeter plan} on the committed H100 result (llama-3.1-8b, batches 1/8/32/64, prompt 1024, output 128)
 * and the CPU one: the plan's figures against the file's own, exit codes, and bad input named by option.
 */
class PlanCommandTest {
    private static final String GPU = Path.of("..", "docs", "results", "gpu-h100-llama-3.1-8b.json").toString();
    private static final String CPU = Path.of("..", "docs", "results", "cpu-llama-110m.json").toString();
    private static final String CPU_SERVING = Path.of("..", "docs", "results", "cpu-serve-llama-110m-sweep.json")
            .toString();

    @TempDir
    Path dir;

    /** The file's median requests/s at {@code batch}. */
    private static double requestsPerSecond(int batch) {
        Result r = ResultJson.read(Path.of(GPU));
        for (OfflinePoint p : r.points(OfflinePoint.class)) {
            if (p.batch() == batch) {
                return p.metrics().requestsPerSecond().p50();
            }
        }
        throw new AssertionError("no batch " + batch + " in " + GPU);
    }

    @Test
    void mlperfLimitsOnTheH100Result() throws IOException {
        // MLPerf Server's Llama-3.1-8B limits: TTFT p99 2000 ms, TPOT p99 100 ms. Batch 64's TTFT p99 is 2297 ms,
        // so batch 32 (TTFT p99 1149 ms, 12.81 req/s) is the operating point.
        Path json = dir.resolve("plan.json");
        CliRun r = expect(0, "plan", "--result", GPU, "--rate", "100", "--max-ttft", "2000", "--max-tpot", "100",
                "--json", json.toString());
        double perGpu = requestsPerSecond(32);
        // GPUs = ceil(100 / (12.81 x 0.8) = 9.756) = 10; utilization 100 / (10 x 12.81) = 78.0%;
        // 10 x 6.155 $ (the H100 preset, picked by --price auto) x 730 h = 44,931.50 $ a month.
        int gpus = (int) Math.ceil(100 / (perGpu * 0.8));
        assertEquals(10, gpus);
        assertContains(r.out(), "plan on NVIDIA H100 80GB HBM3 (H100 SXM), measured: batch 32, 12.81 req/s per GPU");
        assertContains(r.out(), "GPUs         10 = ceil(100 / (12.81 x 0.8) = 9.756), expected utilization 78.0%");
        assertContains(r.out(), "$44,932 per month (10 GPUs x $6.155 x 730 h)");
        assertContains(r.out(), "   64         2297        13.94  15.78       2020  no: TTFT p99 2297 ms > 2000 ms");
        assertContains(r.out(), "H200 SXM                          PROJECTION ");
        String rubin = r.out().lines().filter(l -> l.startsWith("Rubin ")).findFirst().orElseThrow();
        assertContains(rubin, "PROJECTION, decode only");
        assertContains(rubin, "unknown");
        assertContains(r.err(), "wrote the plan to " + json);

        JsonNode n = ResultJson.mapper().readTree(Files.readString(json));
        assertEquals(10, n.at("/deployments/0/gpus").asInt());
        assertEquals(32, n.at("/deployments/0/operatingPoint/batch").asInt());
        assertEquals(100 / (10 * perGpu), n.at("/deployments/0/expectedUtilization").asDouble(), 1e-12);
        assertEquals(730 * 10 * 6.155, n.at("/deployments/0/cost/usdPerMonth").asDouble(), 1e-9);
        // Per query: 6.155 / 3600 / (12.81 x 0.780) = 6.155 / 3600 / 10 req/s per GPU actually served.
        assertEquals(6.155 / 3600 / 10, n.at("/deployments/0/cost/usdPerQuery").asDouble(), 1e-15);
        assertEquals(5, n.get("deployments").size());
        assertEquals("Rubin", n.at("/deployments/4/gpu").asText());
        assertTrue(n.at("/deployments/4/cost").isNull());
        assertTrue(n.at("/deployments/4/gpus").isNull());
        assertFalse(n.get("mixApproximated").asBoolean());
    }

    @Test
    void theCommittedResultsPlanAlikeOnceWrittenAgainInTheCurrentSchema() throws IOException {
        // The committed files are of an earlier schema, upgraded on read; written again they are of the current one.
        for (String committed : new String[] {GPU, CPU_SERVING}) {
            Path current = dir.resolve("current.json");
            ResultJson.write(ResultJson.read(Path.of(committed)), current);
            assertEquals(Result.SCHEMA_VERSION, ResultJson.mapper().readTree(current.toFile()).get("schemaVersion")
                    .asInt());
            String[] limits = {"--rate", "10", "--slo", "ttft=2s,tpot=100ms"};
            String before = expect(0, concat(new String[] {"plan", "--result", committed}, limits)).out();
            String after = expect(0, concat(new String[] {"plan", "--result", current.toString()}, limits)).out();
            assertEquals(before.replace(committed, "RESULT"), after.replace(current.toString(), "RESULT"));
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void slosInTheServingSyntaxAreTheSameLimits() {
        CliRun r = expect(0, "plan", "--result", GPU, "--rate", "100", "--slo", "ttft=2s,tpot=100ms");
        assertContains(r.out(), "GPUs         10 = ceil(100 / (12.81 x 0.8) = 9.756)");
        CliRun p50 = expect(Main.EXIT_USAGE, "plan", "--result", GPU, "--rate", "100", "--slo", "ttft:p50=2s");
        assertContains(p50.err(), "--slo: plan holds TTFT and TPOT at p99, not p50");
        CliRun itl = expect(Main.EXIT_USAGE, "plan", "--result", GPU, "--rate", "100", "--slo", "itl=50ms");
        assertContains(itl.err(), "--slo: plan checks ttft and tpot only, not itl");
        CliRun both = expect(Main.EXIT_USAGE, "plan", "--result", GPU, "--rate", "100", "--slo", "tpot=100ms",
                "--max-tpot", "90");
        assertContains(both.err(), "--slo gives tpot and so does --max-tpot");
    }

    @Test
    void withoutConstraintsTheLargestBatchIsTaken() {
        CliRun r = expect(0, "plan", "--result", GPU, "--rate", "100", "--utilization", "1");
        assertContains(r.out(), "measured: batch 64, 15.78 req/s per GPU (the largest throughput measured)");
        // 100 / 15.78 = 6.34 -> 7 GPUs.
        assertContains(r.out(), "GPUs         7 = ceil(100 / (15.78 x 1) = 6.337)");
    }

    @Test
    void noFeasiblePointExitsOneWithTheClosest() {
        CliRun r = expect(Main.EXIT_FAILED, "plan", "--result", GPU, "--rate", "100", "--max-tpot", "5");
        assertContains(r.out(), "!! NO FEASIBLE POINT: no measured batch size meets TPOT p99 <= 5 ms");
        assertContains(r.out(), "closest: batch 1, TTFT p99 39.18 ms, TPOT p99 6.403 ms");
    }

    @Test
    void anotherLengthMixIsMarkedAsAnApproximation() {
        CliRun r = expect(0, "plan", "--result", GPU, "--rate", "10", "--prompt-len", "2048");
        assertContains(r.out(), "prompt 2048 + output 128 tokens per request (APPROXIMATED from measured 1024 + 128)");
        assertContains(r.out(), "!! APPROXIMATION: the result measured prompt 1024 / output 128 tokens");
        CliRun far = expect(Main.EXIT_USAGE, "plan", "--result", GPU, "--rate", "10", "--gen", "1024");
        assertContains(far.err(), "more than 4 times away from every measured mix");
    }

    @Test
    void aGivenPriceIsUsedForTheMeasuredGpu() {
        CliRun r = expect(0, "plan", "--result", GPU, "--rate", "100", "--price", "2.5");
        assertContains(r.out(), "price        $2.500 per GPU-hour, user (set by the user)");
        // Batch 64 without limits: ceil(100 / (15.78 x 0.8) = 7.92) = 8 GPUs x 2.5 $ x 730 h = 14,600 $.
        assertContains(r.out(), "$14,600 per month (8 GPUs x $2.500 x 730 h)");
    }

    @Test
    void aCpuResultIsPlannedWithoutProjection() {
        CliRun r = expect(0, "plan", "--result", CPU, "--rate", "5");
        assertContains(r.out(), "devices      2 = ceil(5 / (3.498 x 0.8) = 1.787)");
        assertContains(r.out(), "- no projection to GPUs: the result was measured on a cpu");
        assertFalse(r.out().contains("PROJECTION"), r.out());
    }

    @Test
    void badInputIsAUsageErrorNamingTheOption() throws IOException {
        String[][] cases = {
            {"--rate must be a number of requests per second > 0, got 0.0", "--rate", "0"},
            {"--rate must be a number of requests per second > 0, got -5.0", "--rate", "-5"},
            {"--utilization must be in (0, 1], got 0.0", "--rate", "1", "--utilization", "0"},
            {"--utilization must be in (0, 1], got 1.5", "--rate", "1", "--utilization", "1.5"},
            {"--max-tpot must be a number of milliseconds > 0, got -1.0", "--rate", "1", "--max-tpot", "-1"},
            {"--max-ttft must be a number of milliseconds > 0, got 0.0", "--rate", "1", "--max-ttft", "0"},
            {"--prompt-len must be >= 1, got 0", "--rate", "1", "--prompt-len", "0"},
            {"--price: unknown price preset 'z100'", "--rate", "1", "--price", "z100"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length + 1];
            args[0] = "plan";
            args[1] = "--result=" + GPU;
            System.arraycopy(c, 1, args, 2, c.length - 1);
            assertContains(expect(Main.EXIT_USAGE, args).err(), "tokenmeter: error: " + c[0]);
        }
        String missing = dir.resolve("missing.json").toString();
        assertContains(expect(Main.EXIT_USAGE, "plan", "--result", missing, "--rate", "1").err(),
                "--result: " + missing + ": no such file");
        Path notResult = dir.resolve("other.json");
        Files.writeString(notResult, "{\"name\": \"not a result\"}");
        assertContains(expect(Main.EXIT_USAGE, "plan", "--result", notResult.toString(), "--rate", "1").err(),
                "not a tokenmeter result (no schemaVersion field)");
        Path otherTool = dir.resolve("tool.json");
        Files.writeString(otherTool, Files.readString(Path.of(GPU)).replace("\"tool\" : \"tokenmeter\"",
                "\"tool\" : \"something-else\""));
        assertContains(expect(Main.EXIT_USAGE, "plan", "--result", otherTool.toString(), "--rate", "1").err(),
                "not a tokenmeter result (tool is 'something-else')");
        assertContains(expect(Main.EXIT_USAGE, "plan", "--result", otherTool.toString(), "--rate", "1", "--json",
                otherTool.toString()).err(), "--json names the --result file");
        assertContains(expect(Main.EXIT_USAGE, "plan", "--rate", "1").err(), "Missing required option: '--result");
        assertContains(expect(Main.EXIT_USAGE, "plan", "--result", GPU).err(), "Missing required option: '--rate");
    }

    @Test
    void aServingResultIsPlannedAtItsHighestSteadyLoadThatMeetsTheSlos() throws IOException {
        Result r = ResultJson.read(Path.of(CPU_SERVING));
        // The committed sweep: rates 1 and 2 meet TTFT p99 2 s / TPOT p99 100 ms, rate 4 is overloaded.
        double achieved = r.points(ServingPoint.class).stream().filter(p -> p.label().equals("rate 2.00")).findFirst()
                .orElseThrow().metrics().requestsPerSecond();
        Path json = dir.resolve("plan.json");
        CliRun run = expect(0, "plan", "--result", CPU_SERVING, "--rate", "10", "--slo", "ttft=2s,tpot=100ms",
                "--json", json.toString());
        int devices = (int) Math.ceil(10 / (achieved * 0.8));
        assertContains(run.out(), "measured points, per device (serving runs, one per offered load");
        assertContains(run.out(), "measured: rate 2.00, " + TextTable.significant(achieved, 4)
                + " req/s per device");
        assertContains(run.out(), "devices      " + devices + " = ceil(10 / ");
        assertContains(run.out(), "no: OVERLOADED: offered 4.0 req/s");
        assertContains(run.out(), "prompt 64:256 uniform, output 32");
        JsonNode n = ResultJson.mapper().readTree(Files.readString(json));
        assertEquals("serving", n.get("scenario").asText());
        assertEquals(devices, n.at("/deployments/0/gpus").asInt());
        assertEquals(achieved, n.at("/deployments/0/operatingPoint/requestsPerSecond").asDouble(), 0);

        // A serving result is not rescaled to other lengths, and says why.
        CliRun bad = expect(2, "plan", "--result", CPU_SERVING, "--rate", "10", "--gen", "64");
        assertContains(bad.err(), "a serving result is planned at the lengths it measured (output lengths 32), not"
                + " --gen 64");
    }
}
