package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C in the middle of an SLO search, sent as SIGINT to a real {@code tokenmeter serve} in a child JVM once its
 * first probe is done: the bracket found so far is printed, and kept in the partial result's warnings.
 */
class InterruptedSearchTest {
    @TempDir
    Path dir;

    @Test
    void ctrlCDuringASearchPrintsAndKeepsTheBracketSoFar() throws Exception {
        Path json = dir.resolve("search.json");
        String java = ProcessHandle.current().info().command().orElse("java");
        // 60 requests a probe: the second one (at 40 req/s) takes 1.5 s to arrive, long enough for the
        // signal, sent as soon as the first one is done, to land inside it.
        List<String> command = List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--backend", "cpu", "--threads", "2", "--model", "tiny", "--prompt-len", "8", "--gen", "3",
                "--requests", "60", "--warmup-requests", "0", "--slo", "e2e=10s", "--search", "20:40",
                "--progress", "lines", "--json", json.toString());
        Process run = new ProcessBuilder(command).redirectOutput(dir.resolve("stdout").toFile()).start();
        StringBuilder err = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(run.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                err.append(line).append('\n');
                if (line.startsWith("[1] search 20.0 done: ")) {
                    break;
                }
            }
            assertNotNull(line, "the first probe never finished:\n" + err);
            assertTrue(new ProcessBuilder("kill", "-INT", Long.toString(run.pid())).start().waitFor() == 0);
            while ((line = lines.readLine()) != null) {
                err.append(line).append('\n');
            }
        } finally {
            if (!run.waitFor(60, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
        String said = err.toString();
        // "after 1 probe": the signal landed inside the second (whose end the JVM may still print as it shuts down).
        assertContains(said, "interrupted: SLO search: highest rate meeting e2e:p99=10000ms: 20.0 req/s (lowest"
                + " failing: none; stopped early, after 1 probe: the answer so far");
        // The finished probe is kept beside the file the complete result would have gone to.
        assertFalse(Files.exists(json));
        Result kept = ResultJson.read(dir.resolve("search.partial.json"));
        assertFalse(kept.complete());
        assertTrue(kept.warnings().stream().anyMatch(w -> w.startsWith("SLO search: highest rate meeting")
                && w.contains("stopped early, after 1 probe")), kept.warnings().toString());
    }
}
