package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code serve} keeps in its --json file when a run completes, fails, or is interrupted. */
class ServingSaverTest {
    @TempDir
    Path dir;

    /** A real serve result (two points) to take a spec, an environment and points from. */
    private Result measured;

    @BeforeEach
    void serveOnce() {
        Path json = dir.resolve("measured.json");
        CliRun.expect(0, "serve", "--backend", "cpu", "--threads", "2", "--model", "tiny", "--prompt-len", "8",
                "--gen", "4", "--requests", "8", "--warmup-requests", "1", "--rate", "100,200", "--json",
                json.toString());
        measured = ResultJson.read(json);
        assertEquals(2, measured.servingPoints().size());
    }

    private ServingSaver saver(Path file, StringWriter err) {
        return new ServingSaver(file, measured.spec(), measured.environment(), measured.startedAt(),
                new PrintWriter(err, true));
    }

    @Test
    void aFailedRunKeepsItsPointsAndOneThatMeasuredNothingLeavesTheFileAlone() throws IOException {
        Path file = dir.resolve("partial.json");
        StringWriter err = new StringWriter();
        try (ServingSaver s = saver(file, err)) {
            s.add(measured.servingPoints().get(0));
            Result r = s.failed();
            assertFalse(r.complete());
        }
        Result back = ResultJson.read(file);
        assertFalse(back.complete());
        assertEquals(1, back.servingPoints().size());
        assertContains(err.toString(), "wrote partial result (1 points) to " + file);

        Path earlier = dir.resolve("earlier.json");
        Files.writeString(earlier, "an earlier file");
        try (ServingSaver s = saver(earlier, new StringWriter())) {
            s.failed();
        }
        assertEquals("an earlier file", Files.readString(earlier), "nothing measured, nothing overwritten");
    }

    @Test
    void anInterruptedRunKeepsTheFinishedPointsUnlessItAlreadyWroteItsResult() {
        Path file = dir.resolve("interrupted.json");
        StringWriter err = new StringWriter();
        try (ServingSaver s = saver(file, err)) {
            s.add(measured.servingPoints().get(0));
            s.add(measured.servingPoints().get(1));
            s.saveOnExit();  // what the shutdown hook does on Ctrl-C
        }
        Result back = ResultJson.read(file);
        assertFalse(back.complete());
        assertEquals(2, back.servingPoints().size());
        assertEquals(List.of("interrupted after 2 points; a point in progress was lost"), back.warnings());
        assertContains(err.toString(), "interrupted: wrote partial result (2 points)");

        Path done = dir.resolve("done.json");
        try (ServingSaver s = saver(done, new StringWriter())) {
            s.add(measured.servingPoints().get(0));
            s.write(measured);
            s.saveOnExit();  // a late hook finds the result written and leaves it
        }
        assertTrue(ResultJson.read(done).complete());
    }
}
