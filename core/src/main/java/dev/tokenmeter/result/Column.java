package dev.tokenmeter.result;

import dev.tokenmeter.measure.Summary;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * One column of a scenario's table: its header, whether it holds text (left-aligned) or numbers, and its cell for a
 * point, already formatted ("-" where undefined in tables; empty in CSV).
 *
 * @param <P> the scenario's point
 */
public record Column<P>(String header, boolean text, Function<P, String> cell) {
    public Column {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(cell, "cell");
    }

    /** A column of numbers. */
    public static <P> Column<P> number(String header, Function<P, String> cell) {
        return new Column<>(header, false, cell);
    }

    /** A column of text. */
    public static <P> Column<P> text(String header, Function<P, String> cell) {
        return new Column<>(header, true, cell);
    }

    /** A CSV column of one figure of a point's distribution ({@code summary} null: an empty cell). */
    public static <P> Column<P> summary(String header, Function<P, Summary> summary, ToDoubleFunction<Summary> figure) {
        return number(header, p -> {
            Summary s = summary.apply(p);
            return s == null ? "" : TextTable.plain(figure.applyAsDouble(s));
        });
    }

    /** The CSV columns of a latency's distribution: {@code PREFIX_p50}, {@code _p90}, {@code _p99}, {@code _mean}. */
    public static <P> List<Column<P>> latency(String prefix, Function<P, Summary> summary) {
        return List.of(summary(prefix + "_p50", summary, Summary::p50), summary(prefix + "_p90", summary, Summary::p90),
                summary(prefix + "_p99", summary, Summary::p99), summary(prefix + "_mean", summary, Summary::mean));
    }
}
