package dev.tokenmeter.result;

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
        switch (this) {
            case TABLE:
                return ConsoleTable.render(result);
            case JSON:
                return ResultJson.toJson(result) + "\n";
            case CSV:
                return CsvRenderer.render(result);
            case MARKDOWN:
                return MarkdownRenderer.render(result);
            case HTML:
                return HtmlReport.render(result);
            default:
                throw new AssertionError("no renderer for " + this);
        }
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
