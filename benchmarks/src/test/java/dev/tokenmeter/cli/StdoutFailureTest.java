package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.ResultJson;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Output that cannot be written (a full disk, {@code /dev/full}, a closed pipe) fails the command with exit code 1
 * and a message, whatever the command: in-process with a stdout that refuses every byte, and in a child JVM with its
 * real stdout on {@code /dev/full}.
 */
class StdoutFailureTest {
    private static final String CPU_RESULT = Path.of("..", "docs", "results", "cpu-llama-110m.json").toString();
    private static final String MESSAGE = "tokenmeter: error: could not write to standard output";

    @TempDir
    static Path dir;
    private static String result;

    @BeforeAll
    static void measureOnce() {
        result = dir.resolve("r.json").toString();
        expect(0, "run", "--model", "tiny", "--backend", "cpu", "--batch", "1", "--prompt-len", "4", "--gen", "2",
                "--warmup", "0", "--min-trials", "1", "--max-trials", "1", "--progress", "none", "--json", result);
    }

    /** Every command that writes stdout, with small arguments. */
    static Stream<List<String>> commands() {
        return Stream.of(List.of("generate", "--backend", "cpu"), List.of("models"), List.of("models", "--json"),
                List.of("devices"), List.of("run", "--model", "tiny", "--backend", "cpu", "--batch", "1",
                        "--prompt-len", "4", "--gen", "2", "--warmup", "0", "--min-trials", "1", "--max-trials", "1",
                        "--progress", "none"),
                List.of("serve", "--model", "tiny", "--backend", "cpu", "--prompt-len", "8", "--gen", "4",
                        "--requests", "4", "--warmup-requests", "1", "--rate", "100", "--progress", "none"),
                List.of("compare", "RESULT", "RESULT"), List.of("plan", "--result", CPU_RESULT, "--rate", "1"),
                List.of("report", "RESULT"), List.of("report", "RESULT", "--format", "csv"), List.of("--help"),
                List.of("--version"), List.of("run", "--help"));
    }

    /** {@code args} with a stdout whose every write fails, as on a full disk. */
    private static CliRun onFullStdout(List<String> args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        }, true));
        cl.setErr(new PrintWriter(err, true));
        String[] resolved = args.stream().map(a -> a.equals("RESULT") ? result : a).toArray(String[]::new);
        return new CliRun(cl.execute(resolved), "", err.toString());
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandFailsWhenStdoutCannotBeWritten(List<String> args) {
        CliRun r = onFullStdout(args);
        assertEquals(Main.EXIT_FAILED, r.exitCode(), () -> args + ":\n" + r.err());
        assertContains(r.err(), MESSAGE);
    }

    @Test
    void aCommandThatFailedForItsOwnReasonKeepsItsExitCode() {
        Path baseline = dir.resolve("baseline.json");
        Path slower = dir.resolve("slower.json");
        int[][] points = {{1, 32, 16}};
        ResultJson.write(CompareCommandTest.result(1, 1.0, ModelPresets.get("tiny"), points), baseline);
        ResultJson.write(CompareCommandTest.result(2, 1.5, ModelPresets.get("tiny"), points), slower);
        CliRun gate = onFullStdout(List.of("compare", baseline.toString(), slower.toString(),
                "--fail-on-regression", "3%"));
        assertEquals(Main.EXIT_REGRESSION, gate.exitCode(), gate.err());
        assertContains(gate.err(), MESSAGE);
        CliRun usage = onFullStdout(List.of("report", dir.resolve("missing.json").toString()));
        assertEquals(Main.EXIT_USAGE, usage.exitCode(), usage.err());
    }

    @Test
    void aRealStdoutOnDevFullFailsWithTheReason() throws Exception {
        File full = new File("/dev/full");
        assumeTrue(full.exists(), "no /dev/full on this system");
        for (List<String> args : List.of(List.of("models"), List.of("report", result, "--format", "json"))) {
            try (ChildCli child = ChildCli.start(dir, full, args)) {
                assertEquals(Main.EXIT_FAILED, child.exitCode(), args + ":\n" + child.err());
                assertContains(child.err(), MESSAGE + ": No space left on device");
            }
        }
        // The same command with a stdout that works: exit 0, so the failure above is the stdout's.
        Path ok = dir.resolve("report.json");
        try (ChildCli child = ChildCli.start(dir, ok.toFile(), List.of("report", result, "--format", "json"))) {
            assertEquals(Main.EXIT_OK, child.exitCode(), child.err());
        }
        assertEquals(ResultJson.toJson(ResultJson.read(Path.of(result))), ResultJson.toJson(
                ResultJson.parse(Files.readString(ok), ok.toString())));
    }
}
