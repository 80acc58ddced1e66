package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the file options send their output: "-" is standard output on every one of them, conflicting options are
 * refused, destinations are checked (and their folders made) before anything is measured, and special files and
 * symbolic links are written as what they are.
 */
class OutputDestinationTest {
    private static final List<String> SMALL = List.of("run", "--model", "tiny", "--backend", "cpu", "--batch", "1",
            "--prompt-len", "4", "--gen", "2", "--warmup", "0", "--min-trials", "1", "--max-trials", "1");
    /** Progress as lines: "[1/1]" on stderr shows that a point was measured. */
    private static final String MEASURED = "[1/1]";

    @TempDir
    static Path shared;
    private static Path result;

    @TempDir
    Path dir;

    @BeforeAll
    static void measureOnce() {
        result = shared.resolve("r.json");
        expect(0, args("--progress", "none", "--json", result.toString()));
    }

    private static String[] args(String... more) {
        List<String> all = new ArrayList<>(SMALL);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void dashIsStandardOutputOnEveryFileOption() throws IOException {
        CliRun json = expect(0, args("--progress", "none", "--json", "-"));
        Result onStdout = ResultJson.parse(json.out(), "stdout");
        assertTrue(onStdout.complete());
        assertEquals(1, onStdout.points().size());
        assertFalse(Files.exists(Path.of("-")), "no file named '-'");

        assertTrue(expect(0, args("--progress", "none", "--output", "-", "--format", "csv")).out()
                .startsWith("model,backend,"), "the --format report on stdout");
        Path html = dir.resolve("r.html");
        CliRun both = expect(0, args("--progress", "none", "--json", "-", "--output", html.toString()));
        assertTrue(ResultJson.parse(both.out(), "stdout").complete(), "the JSON result instead of the table");
        assertContains(Files.readString(html), "<html");

        // compare and plan: on stdout exactly what the file would hold, instead of the console text.
        Path mdFile = dir.resolve("c.md");
        expect(0, "compare", result.toString(), result.toString(), "--markdown", mdFile.toString());
        CliRun md = expect(0, "compare", result.toString(), result.toString(), "--markdown", "-");
        assertEquals(Files.readString(mdFile), md.out());
        assertTrue(md.out().lines().anyMatch(l -> l.startsWith("| ")), md.out());

        Path planFile = dir.resolve("p.json");
        expect(0, "plan", "--result", result.toString(), "--rate", "0.01", "--json", planFile.toString());
        CliRun plan = expect(0, "plan", "--result", result.toString(), "--rate", "0.01", "--json", "-");
        assertEquals(Files.readString(planFile), plan.out());
        JsonNode tree = ResultJson.mapper().readTree(plan.out());
        assertTrue(tree.isObject() && tree.size() > 0, plan.out());
        assertFalse(Files.exists(Path.of("-")), "no file named '-'");

        assertEquals(expect(0, "report", result.toString()).out(),
                expect(0, "report", result.toString(), "--output", "-").out());
    }

    @Test
    void conflictingOptionsAreRefusedBeforeAnythingIsMeasured() throws IOException {
        Path html = dir.resolve("x.html");
        CliRun csvInHtml = expect(Main.EXIT_USAGE, args("--progress", "lines", "--output", html.toString(),
                "--format", "csv"));
        assertContains(csvInHtml.err(), "--output " + html + ": the extension names html, but --format asks for csv");
        assertFalse(Files.exists(html));
        assertFalse(csvInHtml.err().contains(MEASURED), csvInHtml.err());

        assertContains(expect(Main.EXIT_USAGE, args("--json", "-", "--format", "csv")).err(),
                "--json - shows the JSON result on standard output, where --format csv would go too");
        // /proc/self/fd/1, not /dev/stdout: if the refusal regressed, no rename could replace it.
        assertContains(expect(Main.EXIT_USAGE, args("--json", "/proc/self/fd/1", "--format", "table")).err(),
                "--json /proc/self/fd/1 shows the JSON result on standard output");
        assertContains(expect(Main.EXIT_USAGE, args("--json", "-", "--output", "-")).err(),
                "--output and --json both name standard output");
        Path target = Files.writeString(dir.resolve("target.json"), "{}");
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), target.getFileName());
        assertContains(expect(Main.EXIT_USAGE, args("--json", target.toString(), "--output", link.toString())).err(),
                "--output and --json name the same file");

        Path csv = dir.resolve("r.csv");
        assertContains(expect(Main.EXIT_USAGE, args("--json", csv.toString())).err(),
                "--json " + csv + ": the extension names csv, but --json writes json");
        assertContains(expect(Main.EXIT_USAGE, "compare", result.toString(), result.toString(), "--markdown",
                html.toString()).err(), "the extension names html, but --markdown writes markdown");
        assertContains(expect(Main.EXIT_USAGE, "plan", "--result", result.toString(), "--rate", "1", "--json",
                csv.toString()).err(), "the extension names csv, but --json writes json");
        assertFalse(Files.exists(csv) || Files.exists(html));

        Path noExtension = Files.copy(result, dir.resolve("baseline"));
        assertContains(expect(Main.EXIT_USAGE, "compare", noExtension.toString(), result.toString(), "--markdown",
                noExtension.toString()).err(), "names a result being compared; it would be overwritten");
        assertContains(expect(Main.EXIT_USAGE, "report", result.toString(), "--output", result.toString()).err(),
                "names the result being rendered");
        assertContains(expect(Main.EXIT_USAGE, "report", result.toString(), "--output", html.toString(), "--format",
                "markdown").err(), "the extension names html, but --format asks for markdown");
    }

    @Test
    void destinationsAreCheckedBeforeAnythingIsMeasuredAndMissingFoldersAreMade() throws IOException {
        Path plain = Files.writeString(dir.resolve("plain"), "a file where a folder should be");
        CliRun notFolder = expect(Main.EXIT_USAGE, args("--progress", "lines", "--json",
                plain.resolve("r.json").toString()));
        assertContains(notFolder.err(), "--json: " + plain + " is not a folder");
        assertFalse(notFolder.err().contains(MEASURED), notFolder.err());
        CliRun output = expect(Main.EXIT_USAGE, args("--progress", "lines", "--output",
                plain.resolve("r.csv").toString()));
        assertContains(output.err(), "--output: " + plain + " is not a folder");
        assertFalse(output.err().contains(MEASURED), output.err());
        assertContains(expect(Main.EXIT_USAGE, "compare", result.toString(), result.toString(), "--markdown",
                plain.resolve("c.md").toString()).err(), "--markdown: " + plain + " is not a folder");
        assertContains(expect(Main.EXIT_USAGE, "plan", "--result", result.toString(), "--rate", "1", "--json",
                plain.resolve("p.json").toString()).err(), "--json: " + plain + " is not a folder");

        Path nested = dir.resolve("new").resolve("deeper");
        CliRun made = expect(0, args("--progress", "none", "--json", nested.resolve("r.json").toString(),
                "--output", dir.resolve("reports").resolve("r.md").toString()));
        assertContains(made.err(), "created the folder " + nested + " for --json " + nested.resolve("r.json"));
        assertContains(made.err(), "created the folder " + dir.resolve("reports") + " for --output");
        assertTrue(ResultJson.read(nested.resolve("r.json")).complete());
        assertContains(expect(0, "compare", result.toString(), result.toString(), "--markdown",
                dir.resolve("md").resolve("c.md").toString()).err(), "created the folder " + dir.resolve("md"));
    }

    @Test
    void aReadOnlyFolderIsRefusedBeforeAnythingIsMeasured() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeTrue(!Files.isWritable(locked), "running as root: a read-only mode does not stop writes here"
                    + " (a folder that cannot exist is refused by the test above)");
            CliRun r = expect(Main.EXIT_USAGE, args("--progress", "lines", "--json",
                    locked.resolve("r.json").toString()));
            assertContains(r.err(), "--json: cannot write in the folder " + locked);
            assertFalse(r.err().contains(MEASURED), r.err());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aDeviceIsWrittenThroughAndNothingIsWrittenBesideIt() throws Exception {
        Path device = CliRun.nullDevice(dir);
        assumeTrue(device != null, "mknod is not permitted here (no CAP_MKNOD): no device to write to (the FIFO"
                + " test covers a special file)");
        CliRun json = expect(0, args("--progress", "none", "--json", device.toString()));
        assertContains(json.err(), "wrote " + device);
        expect(0, args("--progress", "none", "--output", device.toString(), "--format", "html"));
        assertFalse(Files.isRegularFile(device, LinkOption.NOFOLLOW_LINKS), "the device is still a device");
        assertEquals(List.of("null-device"), names(dir), "no file in progress, lock or temporary file beside it");
    }

    @Test
    void aSymbolicLinkStaysALinkAndItsTargetGetsTheResult() throws IOException {
        Files.createDirectories(dir.resolve("runs"));
        Path target = Files.writeString(dir.resolve("runs").resolve("monday.json"), "an older result");
        Path link = Files.createSymbolicLink(dir.resolve("latest.json"), Path.of("runs", "monday.json"));
        expect(0, args("--progress", "none", "--json", link.toString()));
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertTrue(ResultJson.read(target).complete(), "its target holds the new result");
        assertEquals(List.of("latest.json", "runs"), names(dir), "nothing left beside the link");
        assertEquals(List.of("monday.json"), names(dir.resolve("runs")), "nor beside its target");
    }

    @Test
    void aFifoGetsTheWholeResultOnceAndStaysAFifo() throws Exception {
        Path fifo = dir.resolve("results.fifo");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException e) {
            mkfifo = null;
        }
        assumeTrue(mkfifo != null && mkfifo.waitFor() == 0, "mkfifo is not available here");
        ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fifo-reader");
            t.setDaemon(true);
            return t;
        });
        try {
            CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return Files.readString(fifo);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, reader);
            expect(0, "run", "--model", "tiny", "--backend", "cpu", "--batch", "1,2", "--prompt-len", "4", "--gen",
                    "2", "--warmup", "0", "--min-trials", "1", "--max-trials", "1", "--progress", "none", "--json",
                    fifo.toString());
            assertFalse(Files.isRegularFile(fifo, LinkOption.NOFOLLOW_LINKS), "the FIFO was replaced by a file");
            // Bounded only so that a broken write fails the test rather than hang it.
            Result got = ResultJson.parse(read.get(60, TimeUnit.SECONDS), "the FIFO");
            assertTrue(got.complete(), "one document: the complete result, not the points as they came");
            assertEquals(2, got.points().size());
            assertEquals(List.of("results.fifo"), names(dir), "nothing written beside a FIFO");
        } finally {
            reader.shutdownNow();
        }
    }
}
