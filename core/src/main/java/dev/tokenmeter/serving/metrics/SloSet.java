package dev.tokenmeter.serving.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The SLOs a run is held to, at most one per metric, in the order given.
 *
 * <p>{@link #parse} reads the value of {@code --slo}: comma-separated {@code METRIC[:pP]=LIMIT}, e.g.
 * {@code ttft=500ms,tpot=50ms} or {@code ttft:p99=2s,tpot:p99=100ms,e2e:p90=10s}.
 * <ul>
 *   <li>METRIC: {@code ttft}, {@code tpot}, {@code itl} or {@code e2e};</li>
 *   <li>P: 50, 90, 95 or 99; without one, p99 ({@link Slo#DEFAULT_PERCENTILE}, as MLPerf Server);</li>
 *   <li>LIMIT: a number above 0 with a unit, {@code ms} or {@code s}. A plain number is refused rather than
 *       read as milliseconds: a limit off by a factor of 1000 would silently make every request good or bad;</li>
 *   <li>case and spaces around the pieces do not matter; a metric may appear once.</li>
 * </ul>
 * {@link #describe()} writes the text back in full ({@code ttft:p99=2000ms,tpot:p99=100ms}).
 *
 * @param slos at least one, each of a different metric
 */
public record SloSet(List<Slo> slos) {
    /** What {@code --slo} accepts, quoted by every parse error. */
    public static final String ACCEPTED = "accepted: METRIC[:pP]=LIMIT, comma-separated, with METRIC ttft, tpot,"
            + " itl or e2e (each once), P 50, 90, 95 or 99 (default 99), LIMIT a number > 0 with unit ms or s;"
            + " e.g. --slo ttft:p99=2s,tpot=100ms";

    private static final Pattern PERCENTILE = Pattern.compile("p(\\d{1,3})");
    // No exponent form: "2e3ms" is not a way anyone writes a latency, and describe() never writes one.
    private static final Pattern LIMIT = Pattern.compile("(\\d{1,12}(?:\\.\\d*)?|\\.\\d+)\\s*(\\S*)");

    public SloSet {
        if (slos == null || slos.isEmpty()) {
            throw new IllegalArgumentException("an SLO set needs at least one SLO");
        }
        slos = List.copyOf(slos);
        Set<SloMetric> seen = EnumSet.noneOf(SloMetric.class);
        for (Slo s : slos) {
            if (!seen.add(s.metric())) {
                throw new IllegalArgumentException("one SLO per metric: " + s.metric().label() + " is given twice");
            }
        }
    }

    public static SloSet of(Slo... slos) {
        return new SloSet(List.of(slos));
    }

    /**
     * Reads the value of {@code --slo} (see the class comment).
     *
     * @throws IllegalArgumentException naming {@code --slo}, the offending piece and what is accepted
     */
    @JsonCreator
    public static SloSet parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--slo: no SLO given; " + ACCEPTED);
        }
        List<Slo> out = new ArrayList<>();
        Set<SloMetric> seen = EnumSet.noneOf(SloMetric.class);
        for (String raw : text.split(",", -1)) {
            String piece = raw.strip();
            if (piece.isEmpty()) {
                throw error("an empty entry", text);
            }
            Slo slo = parseOne(piece);
            if (!seen.add(slo.metric())) {
                throw error(slo.metric().label() + " is given twice", text);
            }
            out.add(slo);
        }
        return new SloSet(out);
    }

    private static Slo parseOne(String piece) {
        int eq = piece.indexOf('=');
        if (eq < 0) {
            throw error("no '=LIMIT'", piece);
        }
        String key = piece.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String value = piece.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
        String name = key;
        int percentile = Slo.DEFAULT_PERCENTILE;
        int colon = key.indexOf(':');
        if (colon >= 0) {
            name = key.substring(0, colon).strip();
            String p = key.substring(colon + 1).strip();
            Matcher pm = PERCENTILE.matcher(p);
            if (!pm.matches()) {
                throw error("'" + p + "' is not a percentile", piece);
            }
            percentile = Integer.parseInt(pm.group(1));
            if (percentile != 50 && percentile != 90 && percentile != 95 && percentile != 99) {
                throw error("unsupported percentile '" + p + "'", piece);
            }
        }
        SloMetric metric = SloMetric.ofLabel(name);
        if (metric == null) {
            throw error("unknown metric '" + name + "'", piece);
        }
        Matcher lm = LIMIT.matcher(value);
        if (!lm.matches()) {
            throw error("'" + value + "' is not a limit", piece);
        }
        double number = Double.parseDouble(lm.group(1));
        String unit = lm.group(2);
        double ms = switch (unit) {
            case "ms" -> number;
            case "s" -> number * 1e3;
            case "" -> throw error("'" + value + "' has no unit (write " + lm.group(1) + "ms or " + lm.group(1)
                    + "s)", piece);
            default -> throw error("unknown unit '" + unit + "'", piece);
        };
        if (!(ms > 0)) {
            throw error("the limit must be above 0", piece);
        }
        return new Slo(metric, percentile, ms);
    }

    private static IllegalArgumentException error(String what, String piece) {
        return new IllegalArgumentException("--slo: " + what + " in '" + piece + "'; " + ACCEPTED);
    }

    /** The {@code --slo} text for this set, each SLO with its percentile and unit; how JSON holds it. */
    @JsonValue
    public String describe() {
        return slos.stream().map(Slo::describe).collect(Collectors.joining(","));
    }
}
