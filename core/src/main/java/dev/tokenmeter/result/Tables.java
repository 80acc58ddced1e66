package dev.tokenmeter.result;

import java.util.List;
import java.util.Objects;

/**
 * A scenario's tables: the heading of its points' table in reports and the HTML class that marks it, the columns of
 * that table (console, Markdown, HTML), the columns of its CSV, and the columns that name a point in a comparison.
 *
 * @param title     "Points", "Serving points"
 * @param htmlClass the class of the HTML table: "points", "points serving"
 * @param table     headline figures, formatted, "-" where undefined
 * @param csv       raw figures, snake_case headers, empty where undefined
 * @param key       what names a point: batch, prompt and output length; the point's label
 * @param <P>       the scenario's point
 */
public record Tables<P>(String title, String htmlClass, List<Column<P>> table, List<Column<P>> csv,
        List<Column<P>> key) {
    public Tables {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(htmlClass, "htmlClass");
        table = List.copyOf(table);
        csv = List.copyOf(csv);
        key = List.copyOf(key);
    }
}
