package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.cpu.CpuBackend;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.GreedyGeneration;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelConfigs;
import dev.tokenmeter.report.OutputFormat;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenmeter run}'s repeat-from-a-result ({@code --spec}), precision target and output formats, run in-process
 * on the CPU backend with small models. Its progress on stderr is {@link ConsoleProgressTest}'s.
 */
class RunCommandTest {
    /** A model no preset has (GQA, Llama-3 RoPE scaling, tied embeddings), so a repeat must carry its shape. */
    private static final String CONFIG = "{\"model_type\": \"llama\", \"vocab_size\": 300, \"hidden_size\": 64,"
            + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
            + " \"intermediate_size\": 160, \"max_position_embeddings\": 256, \"rope_theta\": 5000.0,"
            + " \"rms_norm_eps\": 1e-5, \"tie_word_embeddings\": true, \"rope_scaling\": {\"rope_type\": \"llama3\","
            + " \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
            + " \"original_max_position_embeddings\": 128}}";
    /** Small points of the tiny preset, with no warm-up and two trials each. */
    private static final List<String> SMALL = List.of("run", "--model", "tiny", "--backend", "cpu", "--batch", "1",
            "--prompt-len", "4", "--gen", "2", "--warmup", "0", "--min-trials", "2", "--max-trials", "2");

    /** The warm-up time of a run that does not set it, as a repeat keeps it. */
    private static final double WARMUP_SECONDS = Double.parseDouble(RunCommand.DEFAULT_WARMUP_SECONDS);

    @TempDir
    static Path dir;
    private static ModelConfig custom;
    private static Path original;
    private static CliRun first;

    private static CliRun expect(int code, List<String> base, String... more) {
        List<String> args = new ArrayList<>(base);
        args.addAll(List.of(more));
        CliRun r = cli(args.toArray(new String[0]));
        assertEquals(code, r.exitCode(), () -> String.join(" ", args) + "\nstdout:\n" + r.out() + "\nstderr:\n"
                + r.err());
        return r;
    }

    private static void assertContains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n" + text);
    }

    /** The first run: a model from a config file, every spec option away from its default. */
    @BeforeAll
    static void runOnce() throws IOException {
        Path config = dir.resolve("custom").resolve("config.json");
        Files.createDirectories(config.getParent());
        Files.writeString(config, CONFIG);
        custom = ModelConfigs.resolve(config.toString());
        original = dir.resolve("a.json");
        first = expect(0, List.of("run", "--model", config.toString(), "--backend", "cpu", "--batch", "1,2",
                "--prompt-len", "6", "--gen", "5", "--seed", "7", "--warmup", "0", "--min-trials", "2",
                "--max-trials", "2", "--budget", "0", "--target", "5%", "--threads", "1", "--price", "1.5",
                "--utilization", "0.5", "--progress", "none", "--json", original.toString()));
        // The repeat must not need the config file: the result holds the whole shape.
        Files.delete(config);
    }

    @Test
    void specRepeatsTheRunExactly() {
        Path repeat = dir.resolve("b.json");
        CliRun r = expect(0, List.of("run", "--spec", original.toString(), "--json", repeat.toString(), "--progress",
                "none"));
        RunSpec a = ResultJson.read(original).spec();
        RunSpec b = ResultJson.read(repeat).spec();
        assertEquals(a, b);
        assertEquals(custom, b.model(), "the full shape, not a name");
        assertEquals(7, b.seed());
        assertEquals(new MeasurementPolicy(0, 2, 2, 0, 0.05, WARMUP_SECONDS), offline(b).measurement());
        assertEquals(1.5, b.price().usdPerHour());
        assertEquals(0.5, b.price().utilization());
        assertEquals(1, b.threads());
        assertEquals(2, ResultJson.read(repeat).points().size());
        assertContains(r.err(), "repeating the run in " + original);
        assertContains(r.err(), "nothing overridden");
        assertFalse(r.err().contains("note:"), "same device, nothing to note:\n" + r.err());

        // Same model, seed and prompts: the generated tokens are the same bits.
        assertEquals(tokens(custom, a.seed()), tokens(b.model(), b.seed()));
    }

    /** The run's offline scenario. */
    private static OfflineSpec offline(RunSpec spec) {
        return (OfflineSpec) spec.scenario();
    }

    /** Greedy tokens of two requests on the CPU backend: what a run with this spec decodes. */
    private static List<String> tokens(ModelConfig model, long seed) {
        List<String> out = new ArrayList<>();
        try (CpuBackend backend = new CpuBackend(1);
                Engine engine = backend.load(model, EngineOptions.of(seed, 2, 11))) {
            for (GreedyGeneration.Output o : GreedyGeneration.run(engine, seed, 2, 6, 5)) {
                out.add(Arrays.toString(o.generated()));
            }
        }
        return out;
    }

    @Test
    void optionsBesideSpecOverrideOnlyThemselves() {
        Path batched = dir.resolve("c.json");
        CliRun r = expect(0, List.of("run", "--spec", original.toString(), "--batch", "3", "--json", batched.toString(),
                "--progress", "none"));
        RunSpec a = ResultJson.read(original).spec();
        RunSpec c = ResultJson.read(batched).spec();
        RunSpec expected = new RunSpec(a.model(), a.backend(), a.seed(), a.threads(), a.price(), new OfflineSpec(
                List.of(3), offline(a).promptLengths(), offline(a).outputLengths(), offline(a).measurement()));
        assertEquals(expected, c);
        assertContains(r.err(), "overridden on the command line: --batch");

        // Utilization alone keeps the recorded price per hour; the target alone keeps the rest of the policy.
        Path other = dir.resolve("d.json");
        CliRun r2 = expect(0, List.of("run", "--spec", original.toString(), "--utilization", "0.25", "--target", "2%",
                "--batch", "1", "--output-len", "3", "--json", other.toString(), "--progress", "none"));
        RunSpec d = ResultJson.read(other).spec();
        assertEquals(1.5, d.price().usdPerHour());
        assertEquals(a.price().label(), d.price().label());
        assertEquals(0.25, d.price().utilization());
        assertEquals(new MeasurementPolicy(0, 2, 2, 0, 0.02, WARMUP_SECONDS), offline(d).measurement());
        assertEquals(List.of(3), offline(d).outputLengths());
        assertEquals(List.of(1), offline(d).batchSizes());
        assertEquals(offline(a).promptLengths(), offline(d).promptLengths());
        assertEquals(a.model(), d.model());
        assertContains(r2.err(), "overridden on the command line: --batch, --gen, --target, --utilization");
    }

    @Test
    void overridesAreCheckedAgainstTheSpecsValues() {
        CliRun r = expect(2, List.of("run", "--spec", original.toString(), "--min-trials", "3"));
        assertContains(r.err(), "--max-trials must be >= --min-trials (3), got 2");
        // The model's 256 positions come from the file.
        assertContains(expect(2, List.of("run", "--spec", original.toString(), "--prompt-len", "300")).err(), "256");
    }

    @Test
    void aSpecFileThatIsNoResultIsAUsageError() throws IOException {
        assertContains(expect(2, List.of("run", "--spec", dir.resolve("none.json").toString())).err(),
                "no such file");
        Path notResult = dir.resolve("not-a-result.json");
        Files.writeString(notResult, "{\"hello\": 1}");
        assertContains(expect(2, List.of("run", "--spec", notResult.toString())).err(), "not a tokenmeter result");
    }

    @Test
    void targetReadsPercentagesAndFractions() {
        assertEquals(0.01, Args.target("1%"), 1e-15);
        assertEquals(0.005, Args.target("0.5%"), 1e-15);
        assertEquals(0.01, Args.target("0.01"), 1e-15);
        assertEquals(0.02, Args.target(" 2 % "), 1e-15);
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> Args.target("1"));
        assertContains(one.getMessage(), "did you mean 1%?");
        for (String bad : List.of("0", "0%", "100%", "-1%", "abc", "%", "NaN")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Args.target(bad), bad);
            assertContains(e.getMessage(), "--target");
        }
        assertContains(expect(2, SMALL, "--target", "150%").err(), "--target must be above 0% and below 100%");
        // The command's own default, reachable on a 2-core host; the library's stays tighter.
        assertEquals(0.03, Args.target(RunCommand.DEFAULT_TARGET), 1e-15);
        assertEquals(0.01, MeasurementPolicy.DEFAULT_TARGET, 1e-15);
    }

    @Test
    void formatJsonPrintsTheResultWithTheDefaultTarget() {
        CliRun r = expect(0, SMALL, "--format", "json", "--progress", "none");
        Result result = ResultJson.parse(r.out(), "stdout");
        assertEquals(Args.target(RunCommand.DEFAULT_TARGET), offline(result.spec()).measurement().targetRelativeCi());
        assertEquals(1, result.points().size());
    }

    @Test
    void outputWritesTheFormatItsExtensionNames() throws IOException {
        Path file = dir.resolve("reports").resolve("r.json");
        CliRun r = expect(0, SMALL, "--output", file.toString(), "--target", "0.5%", "--progress", "none");
        assertEquals(0.005, offline(ResultJson.read(file).spec()).measurement().targetRelativeCi());
        assertContains(r.out(), "TTFT p50 ms");
        assertContains(r.err(), "wrote json report to " + file);

        Path table = dir.resolve("reports").resolve("r.out");
        expect(0, SMALL, "--output", table.toString(), "--format", "table", "--progress", "none");
        assertContains(Files.readString(table), "TTFT p50 ms");
        try (var files = Files.list(file.getParent())) {
            assertEquals(2, files.count(), "atomic writes leave no temporary file");
        }
    }

    @Test
    void everyFormatRendersOrFailsAfterShowingTheTable() {
        for (OutputFormat f : OutputFormat.values()) {
            String name = f.name().toLowerCase(java.util.Locale.ROOT);
            CliRun r = cli(concat(SMALL, "--format", name, "--progress", "none"));
            if (r.exitCode() == 0) {
                assertFalse(r.out().isBlank(), name);
            } else {
                // A renderer still being written: the figures are shown anyway, and the error names the format.
                assertEquals(Main.EXIT_FAILED, r.exitCode(), name + ": " + r.err());
                assertContains(r.out(), "TTFT p50 ms");
                assertContains(r.err(), "--format " + name);
            }
        }
    }

    private static String[] concat(List<String> base, String... more) {
        List<String> args = new ArrayList<>(base);
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    @Test
    void badOutputOptionsAreRefusedBeforeRunning() {
        assertContains(expect(2, SMALL, "--format", "yaml").err(), "--format: unknown format 'yaml'");
        Path same = dir.resolve("same.json");
        assertContains(expect(2, SMALL, "--output", same.toString(), "--json", same.toString()).err(),
                "name the same file");
        assertContains(expect(2, SMALL, "--output", dir.toString()).err(), "is a directory");
        assertContains(expect(2, SMALL, "--progress", "fancy").err(), "--progress must be auto, bar, lines or none");
    }
}
