package dev.tokenmeter.report;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import java.util.Locale;

/** The formats a result can be rendered in; each is one renderer over the immutable {@link Result}. */
public enum OutputFormat {
    TABLE("txt"),
    JSON("json"),
    CSV("csv"),
    MARKDOWN("md"),
    HTML("html");

    private final String extension;

    OutputFormat(String extension) {
        this.extension = extension;
    }

    /** The usual file extension, without the dot. */
    public String extension() {
        return extension;
    }

    /** Renders {@code result} in this format. */
    public String render(Result result) {
        return switch (this) {
            case TABLE -> ConsoleReport.render(result);
            case JSON -> ResultJson.toJson(result) + "\n";
            case CSV -> CsvReport.render(result);
            case MARKDOWN -> MarkdownReport.render(result);
            case HTML -> HtmlReport.render(result);
        };
    }

    /** "table", "json", "csv", "markdown" (or "md"), "html"; anything else is refused with the list. */
    public static OutputFormat parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("md")) {
            return MARKDOWN;
        }
        for (OutputFormat f : values()) {
            if (f.name().toLowerCase(Locale.ROOT).equals(t)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + text + "'; known: table, json, csv, markdown, html");
    }
}
