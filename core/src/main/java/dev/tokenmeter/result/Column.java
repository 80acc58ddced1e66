package dev.tokenmeter.result;

import java.util.Objects;
import java.util.function.Function;

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
}
