package dev.tokenmeter.serving.load;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tokenmeter.InputFiles;
import dev.tokenmeter.serving.Arrival;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Arrivals replayed from a recorded trace in JSON Lines, one request per line:
 * <pre>{"at": 0.25, "prompt": 812, "output": 96}</pre>
 * {@code at} is the arrival in seconds (≥ 0, finite), {@code prompt} and {@code output} are token counts (integers
 * ≥ 1). {@code timestamp}, {@code input_length} and {@code output_length} are accepted as their aliases; a line
 * giving a field under both names is refused. Other fields are ignored; blank lines are skipped. Lines are in time
 * order.
 *
 * <p>Times are taken as they are, in seconds: a trace whose timestamps are milliseconds (Mooncake's are) is
 * replayed with {@link #scaled scaled(arrivals, 0.001)}, and one that does not start near 0 waits until its
 * first timestamp.
 */
public final class TraceArrivals {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // two objects on a line are an error
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private TraceArrivals() {
    }

    /**
     * Reads {@code jsonl}: the arrivals in file order, numbered from 0. The file must be in time order (ties are
     * fine): a trace out of order is refused at the first line that arrives before the one above it, rather than
     * sorted behind the user's back, since it is as likely a mix-up of files or fields as a recording's order.
     *
     * @throws IllegalArgumentException when the file can't be read, holds no request, is out of time order, or a
     *                                  line is malformed; the message starts with the file and the line number and
     *                                  says what is wrong
     */
    public static List<Arrival> read(Path jsonl) {
        List<Arrival> arrivals = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(jsonl)) {
            int lineNumber = 0;
            int previousLine = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String where = jsonl + " line " + lineNumber;
                if (line.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException(where + ": not text (a NUL byte): a trace is JSON Lines text");
                }
                Arrival a = parseLine(line, where, arrivals.size());
                if (!arrivals.isEmpty() && a.atSeconds() < arrivals.get(arrivals.size() - 1).atSeconds()) {
                    // Replayed in file order, an earlier arrival after a later one would distort every latency.
                    throw new IllegalArgumentException(where + ": arrives at " + a.atSeconds() + " s, before line "
                            + previousLine + " (" + arrivals.get(arrivals.size() - 1).atSeconds() + " s): a trace"
                            + " must be in time order; sort it by its time field (jq -c -s 'sort_by(.at)[]')");
                }
                arrivals.add(a);
                previousLine = lineNumber;
            }
        } catch (IOException e) {
            // A trace that can't be read is a usage error (wrong argument), not a failed run.
            throw new IllegalArgumentException("cannot read trace " + jsonl + ": " + InputFiles.reason(e, jsonl), e);
        }
        if (arrivals.isEmpty()) {
            throw new IllegalArgumentException(jsonl + ": no requests (the trace is empty)");
        }
        return List.copyOf(arrivals);
    }

    /**
     * The same requests with every arrival time multiplied by {@code timeScale}: 0.5 replays the trace twice as
     * fast (double the rate), 2 half as fast, 0.001 reads millisecond timestamps as seconds. Ids, lengths and
     * order are kept.
     */
    public static List<Arrival> scaled(List<Arrival> arrivals, double timeScale) {
        if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
            throw new IllegalArgumentException("timeScale must be a finite number > 0, got " + timeScale);
        }
        return arrivals.stream()
                .map(a -> new Arrival(a.id(), a.atSeconds() * timeScale, a.promptLength(), a.outputLength()))
                .toList();
    }

    private static Arrival parseLine(String line, String where, int id) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            String column = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new IllegalArgumentException(where + ": not valid JSON" + column + ": "
                    + InputFiles.jsonProblem(e), e);
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": expected a JSON object like "
                    + "{\"at\": 0.25, \"prompt\": 812, \"output\": 96}, got " + node);
        }
        String atKey = key(node, "at", "timestamp", where);
        JsonNode at = node.get(atKey);
        if (!at.isNumber() || !(at.doubleValue() >= 0) || Double.isInfinite(at.doubleValue())) {
            throw new IllegalArgumentException(where + ": \"" + atKey + "\" must be a time in seconds >= 0, got " + at);
        }
        return new Arrival(id, at.doubleValue(), tokens(node, "prompt", "input_length", where),
                tokens(node, "output", "output_length", where));
    }

    private static int tokens(JsonNode node, String name, String alias, String where) {
        String key = key(node, name, alias, where);
        JsonNode value = node.get(key);
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
            throw new IllegalArgumentException(where + ": \"" + key + "\" must be an integer >= 1, got " + value);
        }
        return value.intValue();
    }

    /** Which of {@code name} and {@code alias} the line gives; exactly one must be there. */
    private static String key(JsonNode node, String name, String alias, String where) {
        if (node.has(name) && node.has(alias)) {
            throw new IllegalArgumentException(where + ": give \"" + name + "\" or \"" + alias + "\", not both");
        }
        if (node.has(name)) {
            return name;
        }
        if (node.has(alias)) {
            return alias;
        }
        throw new IllegalArgumentException(where + ": missing \"" + name + "\" (or \"" + alias + "\")");
    }
}
