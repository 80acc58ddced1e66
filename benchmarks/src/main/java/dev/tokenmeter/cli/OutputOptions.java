package dev.tokenmeter.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a measuring command's report and result go, and what it shows while it runs. */
final class OutputOptions {
    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Report format: table, json, csv, markdown or html; on stdout, or in the --output file"
                    + " (stdout then shows the table). Default: table, or what the --output file's extension"
                    + " names; an extension that names another format than --format is refused.")
    String format;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Write the report in --format to this file (atomically) and show the table on stdout;"
                    + " - is stdout (the --format report there, as without --output). Missing folders are made;"
                    + " a destination that cannot be written is refused before anything is measured.")
    Path output;

    @Option(names = "--json", paramLabel = "FILE", description = "Keep the full result as JSON: each point is"
            + " written as it finishes into FILE's .partial.json beside it (r.json: r.partial.json), and the"
            + " complete result replaces FILE at the end. A run that fails or is interrupted never replaces FILE:"
            + " its points stay in the .partial.json. - puts the result on stdout instead of the table (as --format"
            + " json; another --format beside it is refused); a FIFO or device gets it once, at the end.")
    Path json;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|bar|lines|none",
            description = "Progress on stderr: a bar redrawn in place (on a terminal), log lines, or none."
                    + " Default: ${DEFAULT-VALUE} (a bar on an interactive terminal, else lines).")
    String progress;

    @Option(names = "--quiet", description = "No progress on stderr (same as --progress none).")
    boolean quiet;
}
