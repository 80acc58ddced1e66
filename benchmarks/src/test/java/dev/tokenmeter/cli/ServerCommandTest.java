package dev.tokenmeter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tokenmeter server} as a process: it says where it listens, serves, and stops on SIGTERM. */
class ServerCommandTest {
    @TempDir
    Path dir;

    @Test
    void listensOnAFreePortServesAndStopsOnSigterm() throws Exception {
        try (ChildCli child = ChildCli.start(dir, new File("/dev/null"), List.of("server", "--model", "tiny",
                "--backend", "cpu", "--threads", "1", "--port", "0", "--max-seqs", "2", "--max-model-len", "64",
                "--served-model-name", "t", "--grace-period", "5"))) {
            child.awaitErr("listening on http://127.0.0.1:");
            Matcher m = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)\n").matcher(child.err());
            assertTrue(m.find(), child.err());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "/v1/completions"))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\": \"t\", \"prompt\": \"hello there\", \"max_tokens\": 3}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":3,\"total_tokens\":5}"),
                    r.body());
            r = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "/v1/completions"))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"prompt\": [1, 2], \"max_tokens\": 63}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), "beyond --max-model-len: " + r.body());
            child.signal("TERM");
            int code = child.exitCode();
            assertEquals(143, code, "ended by SIGTERM after its hooks ran: " + child.err());
            assertTrue(!child.err().contains("Exception"), child.err());
        }
    }

    @Test
    void aKvCacheTooSmallForOneRequestIsAUsageError() throws Exception {
        CliRun run = CliRun.cli("server", "--model", "tiny", "--backend", "cpu", "--port", "0", "--max-model-len",
                "64", "--kv-blocks", "2");
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains("cannot hold one request of the full context"), run.err());
    }
}
