package dev.tokenmeter.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a measuring command's report and result go, and what it shows while it runs. */
final class OutputOptions {
    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Report format: table, json, csv, markdown or html; on stdout, or in the --output file"
                    + " (stdout then shows the table). Default: table, or what the --output file's extension"
                    + " names.")
    String format;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Write the report in --format to this file (atomically) and show the table on stdout.")
    Path output;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the full result as JSON (atomically); a"
            + " partial one if the run fails or is interrupted.")
    Path json;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|bar|lines|none",
            description = "Progress on stderr: a bar redrawn in place (on a terminal), log lines, or none."
                    + " Default: ${DEFAULT-VALUE} (a bar on an interactive terminal, else lines).")
    String progress;

    @Option(names = "--quiet", description = "No progress on stderr (same as --progress none).")
    boolean quiet;
}
