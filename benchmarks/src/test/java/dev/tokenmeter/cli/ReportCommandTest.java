package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.report.OutputFormat;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code tokenmeter report}: a saved result rendered in any format without measuring: the committed results (schema
 * version 1, offline and serving) and a current one, each in every format, on stdout or in a file.
 */
class ReportCommandTest {
    private static final Path RESULTS = Path.of("..", "docs", "results");

    @TempDir
    Path dir;

    /** Each committed result (version 1) in each format. */
    static Stream<List<String>> committed() {
        List<List<String>> all = new ArrayList<>();
        for (String name : List.of("cpu-llama-110m", "cpu-serve-llama-110m-search", "cpu-serve-llama-110m-sweep",
                "gpu-h100-llama-3.1-8b")) {
            for (OutputFormat f : OutputFormat.values()) {
                all.add(List.of(name, f.name().toLowerCase(Locale.ROOT)));
            }
        }
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("committed")
    void aVersionOneResultRendersInEveryFormatAsItsReaderRendersIt(List<String> nameAndFormat) throws IOException {
        Path file = RESULTS.resolve(nameAndFormat.get(0) + ".json");
        assertEquals(1, ResultJson.mapper().readTree(file.toFile()).path("schemaVersion").asInt());
        OutputFormat format = OutputFormat.parse(nameAndFormat.get(1));
        CliRun r = expect(0, "report", file.toString(), "--format", nameAndFormat.get(1));
        assertEquals(format.render(ResultJson.read(file)), r.out());
        assertEquals("", r.err(), "nothing but the report");
    }

    @Test
    void aCurrentResultRendersAsTheTableByDefaultAndInAFileByItsExtension() throws IOException {
        Result current = CompareCommandTest.result(3, 1.0, ModelPresets.get("tiny"), new int[][] {{1, 32, 16}});
        Path file = dir.resolve("current.json");
        ResultJson.write(current, file);
        assertEquals(Result.SCHEMA_VERSION, ResultJson.mapper().readTree(file.toFile()).path("schemaVersion").asInt());
        String table = OutputFormat.TABLE.render(ResultJson.read(file));
        assertEquals(table, expect(0, "report", file.toString()).out());

        Path html = dir.resolve("out").resolve("report.html");
        CliRun r = expect(0, "report", file.toString(), "--output", html.toString());
        assertEquals(table, r.out(), "the table on stdout, as run shows it");
        assertEquals(OutputFormat.HTML.render(ResultJson.read(file)), Files.readString(html));
        assertContains(r.err(), "wrote html report to " + html);
        assertContains(r.err(), "created the folder " + html.getParent());
        Path text = dir.resolve("report.txt");
        expect(0, "report", file.toString(), "--output", text.toString(), "--format", "table");
        assertEquals(table, Files.readString(text));
    }

    @Test
    void anIncompleteResultRendersMarkedIncomplete() {
        Result full = CompareCommandTest.result(4, 1.0, ModelPresets.get("tiny"), new int[][] {{1, 32, 16}});
        Result partial = Result.of(full.startedAt(), full.finishedAt(), false, full.spec(), full.environment(),
                full.points(), List.of("interrupted after 1 of 2 points; a point in progress was lost"));
        Path file = dir.resolve("g.partial.json");
        ResultJson.write(partial, file);
        assertContains(expect(0, "report", file.toString()).out(), "(INCOMPLETE)");
    }

    @Test
    void aResultOnStandardInputIsRead() {
        Path file = RESULTS.resolve("cpu-llama-110m.json");
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream(ResultJson.toJson(ResultJson.read(file))
                    .getBytes(StandardCharsets.UTF_8)));
            assertEquals(OutputFormat.CSV.render(ResultJson.read(file)),
                    expect(0, "report", "-", "--format", "csv").out());
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void aMissingOrMalformedFileIsAUsageErrorNamingIt() throws IOException {
        Path missing = dir.resolve("missing.json");
        assertContains(expect(Main.EXIT_USAGE, "report", missing.toString()).err(), missing + ": no such file");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"schemaVersion\": 2, \"points\": 3}");
        CliRun r = expect(Main.EXIT_USAGE, "report", bad.toString(), "--format", "html");
        assertContains(r.err(), bad + ": malformed tokenmeter result");
        assertFalse(r.err().contains("Exception"), r.err());
        assertContains(expect(Main.EXIT_USAGE, "report", bad.toString(), "--format", "yaml").err(),
                "--format: unknown format 'yaml'");
    }
}
