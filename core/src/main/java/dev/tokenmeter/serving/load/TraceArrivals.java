package dev.tokenmeter.serving.load;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tokenmeter.serving.Arrival;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Arrivals replayed from a recorded trace in JSON Lines, one request per line:
 * <pre>{"at": 0.25, "prompt": 812, "output": 96}</pre>
 * {@code at} is the arrival in seconds (≥ 0, finite), {@code prompt} and {@code output} are token counts (integers
 * ≥ 1). {@code timestamp}, {@code input_length} and {@code output_length} are accepted as their aliases; a line
 * giving a field under both names is refused. Other fields are ignored; blank lines are skipped.
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
     * Reads {@code jsonl}: the arrivals sorted by time (stably, so ties keep file order), with ids renumbered in
     * that order.
     *
     * @throws IllegalArgumentException when the file can't be read, holds no request, or a line is malformed; the
     *                                  message starts with the file and the line number and says what is wrong
     */
    public static List<Arrival> read(Path jsonl) {
        List<Arrival> arrivals = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(jsonl)) {
            int lineNumber = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                if (!line.isBlank()) {
                    arrivals.add(parseLine(line, jsonl + " line " + lineNumber));
                }
            }
        } catch (IOException e) {
            // A trace that can't be read is a usage error (wrong argument), not a failed run.
            throw new IllegalArgumentException("cannot read trace " + jsonl + ": " + ioReason(e), e);
        }
        if (arrivals.isEmpty()) {
            throw new IllegalArgumentException(jsonl + ": no requests (the trace is empty)");
        }
        arrivals.sort(Comparator.comparingDouble(Arrival::atSeconds)); // List.sort is stable
        List<Arrival> out = new ArrayList<>(arrivals.size());
        for (Arrival a : arrivals) {
            out.add(new Arrival(out.size(), a.atSeconds(), a.promptLength(), a.outputLength()));
        }
        return List.copyOf(out);
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

    private static Arrival parseLine(String line, String where) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            String column = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new IllegalArgumentException(where + ": not valid JSON" + column + ": " + e.getOriginalMessage(), e);
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
        return new Arrival(0, at.doubleValue(), tokens(node, "prompt", "input_length", where),
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

    private static String ioReason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
    }
}
