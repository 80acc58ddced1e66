package dev.tokenmeter.serving.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.serving.Arrival;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading a JSON Lines trace: fields, aliases, order, and a precise message for every malformed line. */
class TraceArrivalsTest {
    @TempDir
    Path dir;

    private Path trace(String... lines) throws IOException {
        return Files.writeString(dir.resolve("trace.jsonl"), String.join("\n", lines) + "\n");
    }

    @Test
    void readsOneRequestPerLine() throws IOException {
        Path file = trace(
                "{\"at\": 0, \"prompt\": 128, \"output\": 16}",
                "{\"at\": 0.5, \"prompt\": 1024, \"output\": 1, \"session\": \"ignored\"}",
                "{\"at\": 2, \"prompt\": 7, \"output\": 300}");
        assertEquals(List.of(
                new Arrival(0, 0.0, 128, 16),
                new Arrival(1, 0.5, 1024, 1),
                new Arrival(2, 2.0, 7, 300)), TraceArrivals.read(file));
    }

    @Test
    void acceptsTheAliasesAndSkipsBlankLines() throws IOException {
        Path file = trace(
                "",
                "{\"timestamp\": 1.25, \"input_length\": 50, \"output_length\": 60, \"hash_ids\": [1, 2]}",
                "   ",
                "{\"at\": 3, \"input_length\": 5, \"output\": 6}",
                "");
        assertEquals(List.of(new Arrival(0, 1.25, 50, 60), new Arrival(1, 3.0, 5, 6)), TraceArrivals.read(file));
    }

    @Test
    void tiesKeepFileOrderAndNumbersFollowIt() throws IOException {
        Path file = trace(
                "{\"at\": 1, \"prompt\": 2, \"output\": 2}",
                "{\"at\": 1, \"prompt\": 4, \"output\": 4}",
                "{\"at\": 3, \"prompt\": 3, \"output\": 3}");
        assertEquals(List.of(
                new Arrival(0, 1.0, 2, 2),
                new Arrival(1, 1.0, 4, 4),
                new Arrival(2, 3.0, 3, 3)), TraceArrivals.read(file));
    }

    /** Not sorted behind the user's back: the first line that arrives before the one above it is named. */
    @Test
    void aTraceOutOfTimeOrderIsRefusedNamingTheLine() throws IOException {
        Path file = trace(
                "{\"at\": 1, \"prompt\": 2, \"output\": 2}",
                "{\"at\": 5, \"prompt\": 1, \"output\": 1}",
                "",
                "{\"at\": 3, \"prompt\": 3, \"output\": 3}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceArrivals.read(file));
        assertEquals(file + " line 4: arrives at 3.0 s, before line 2 (5.0 s): a trace must be in time order; sort it"
                + " by its time field (jq -c -s 'sort_by(.at)[]')", e.getMessage());
    }

    @Test
    void aBinaryTraceIsNotText() throws IOException {
        Path binary = Files.write(dir.resolve("trace.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x41, 0x0a});
        assertEquals("cannot read trace " + binary + ": not a text file (it holds bytes that are not UTF-8 text: a"
                + " binary file?)", assertThrows(IllegalArgumentException.class,
                        () -> TraceArrivals.read(binary)).getMessage());
        Path nuls = Files.write(dir.resolve("zeros.jsonl"), new byte[16]);
        assertEquals(nuls + " line 1: not text (a NUL byte): a trace is JSON Lines text", assertThrows(
                IllegalArgumentException.class, () -> TraceArrivals.read(nuls)).getMessage());
    }

    /** The bad line is line 3, after a good line and a blank one, so the number counts every line of the file. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"at\": 1, \"prompt\": -3, \"output\": 5}           | \"prompt\" must be an integer >= 1, got -3",
        "{\"at\": 1, \"prompt\": 0, \"output\": 5}            | \"prompt\" must be an integer >= 1, got 0",
        "{\"at\": 1, \"prompt\": 1.5, \"output\": 5}          | \"prompt\" must be an integer >= 1, got 1.5",
        "{\"at\": 1, \"prompt\": \"12\", \"output\": 5}       | \"prompt\" must be an integer >= 1, got \"12\"",
        "{\"at\": 1, \"prompt\": null, \"output\": 5}         | \"prompt\" must be an integer >= 1, got null",
        "{\"at\": 1, \"prompt\": 3000000000, \"output\": 5}   | \"prompt\" must be an integer >= 1, got 3000000000",
        "{\"at\": 1, \"input_length\": -1, \"output\": 5}     | \"input_length\" must be an integer >= 1, got -1",
        "{\"at\": 1, \"prompt\": 2, \"output\": 0}            | \"output\" must be an integer >= 1, got 0",
        "{\"at\": 1, \"prompt\": 2, \"output_length\": true}  | \"output_length\" must be an integer >= 1, got true",
        "{\"at\": -0.5, \"prompt\": 2, \"output\": 5}         | \"at\" must be a time in seconds >= 0, got -0.5",
        "{\"at\": \"soon\", \"prompt\": 2, \"output\": 5}     | \"at\" must be a time in seconds >= 0, got \"soon\"",
        "{\"timestamp\": -1, \"prompt\": 2, \"output\": 5}    | \"timestamp\" must be a time in seconds >= 0, got -1",
        "{\"prompt\": 2, \"output\": 5}                       | missing \"at\" (or \"timestamp\")",
        "{\"at\": 1, \"output\": 5}                           | missing \"prompt\" (or \"input_length\")",
        "{\"at\": 1, \"prompt\": 2}                           | missing \"output\" (or \"output_length\")",
        "{\"at\": 1, \"timestamp\": 1, \"prompt\": 2, \"output\": 5} | give \"at\" or \"timestamp\", not both",
        "[1, 2, 3]      | expected a JSON object like {\"at\": 0.25, \"prompt\": 812, \"output\": 96}, got [1,2,3]",
        "42             | expected a JSON object like {\"at\": 0.25, \"prompt\": 812, \"output\": 96}, got 42",
    })
    void namesTheFileTheLineAndTheFault(String line, String fault) throws IOException {
        Path file = trace("{\"at\": 0, \"prompt\": 1, \"output\": 1}", "", line);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceArrivals.read(file));
        assertEquals(file + " line 3: " + fault, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"at\": 1, \"prompt\": 2,",
        "at=1 prompt=2 output=3",
        "{\"at\": 1, \"prompt\": 2, \"output\": 3} {\"at\": 2, \"prompt\": 2, \"output\": 3}",
        "{\"at\": 1, \"prompt\": 2, \"output\": 3, \"at\": 4}",
    })
    void refusesWhatIsNotOneJsonObject(String line) throws IOException {
        Path file = trace("{\"at\": 0, \"prompt\": 1, \"output\": 1}", line);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceArrivals.read(file));
        assertTrue(e.getMessage().startsWith(file + " line 2: not valid JSON at column "), e.getMessage());
    }

    @Test
    void aMissingFileOrAnEmptyTraceIsAnError() throws IOException {
        Path missing = dir.resolve("nope.jsonl");
        assertEquals("cannot read trace " + missing + ": no such file",
                assertThrows(IllegalArgumentException.class, () -> TraceArrivals.read(missing)).getMessage());
        Path empty = trace("", "  ");
        assertEquals(empty + ": no requests (the trace is empty)",
                assertThrows(IllegalArgumentException.class, () -> TraceArrivals.read(empty)).getMessage());
    }

    @Test
    void scalingChangesTheTimesOnly() throws IOException {
        List<Arrival> millis = TraceArrivals.read(trace(
                "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 20}",
                "{\"timestamp\": 250, \"input_length\": 11, \"output_length\": 21}",
                "{\"timestamp\": 1500, \"input_length\": 12, \"output_length\": 22}"));
        assertEquals(List.of(
                new Arrival(0, 0.0, 10, 20),
                new Arrival(1, 0.25, 11, 21),
                new Arrival(2, 1.5, 12, 22)), TraceArrivals.scaled(millis, 0.001));
        List<Arrival> keptIds = List.of(new Arrival(7, 2.0, 1, 1), new Arrival(3, 4.0, 2, 2));
        assertEquals(List.of(new Arrival(7, 6.0, 1, 1), new Arrival(3, 12.0, 2, 2)), TraceArrivals.scaled(keptIds, 3));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY})
    void theTimeScaleMustBeFiniteAndPositive(double scale) {
        List<Arrival> one = List.of(new Arrival(0, 1.0, 1, 1));
        assertEquals("timeScale must be a finite number > 0, got " + scale,
                assertThrows(IllegalArgumentException.class, () -> TraceArrivals.scaled(one, scale)).getMessage());
    }
}
