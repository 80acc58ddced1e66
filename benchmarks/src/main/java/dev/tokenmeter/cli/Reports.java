package dev.tokenmeter.cli;

import dev.tokenmeter.report.ConsoleReport;
import dev.tokenmeter.report.OutputFormat;
import dev.tokenmeter.result.AtomicFiles;
import dev.tokenmeter.result.Result;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The report on stdout in one format and, with --output, in a file in another; decided before the run so that a bad
 * format or a conflict of options costs nothing. "-" is standard output on every file option: {@code --output -}
 * puts the --format report there (as no --output does), {@code --json -} the JSON result instead of the table (as
 * {@code --format json} does); two things asked on stdout at once are refused.
 *
 * @param stdout     what stdout shows
 * @param file       null for no file
 * @param fileFormat the file's format, null for no file
 */
record Reports(OutputFormat stdout, Destination file, OutputFormat fileFormat) {
    /** From --format, --output and --json (checked here, before anything runs). */
    static Reports of(String format, Path outputFile, Path jsonFile) {
        Destination output = Destination.of("--output", outputFile);
        Destination json = jsonFile == null ? null : Destination.of("--json", jsonFile).writing(OutputFormat.JSON);
        if (output != null && output.sameAs(json)) {
            throw new IllegalArgumentException(output.stdout()
                    ? "--output and --json both name standard output; give one (--format json shows the result"
                            + " there)"
                    : "--output and --json name the same file, " + outputFile);
        }
        OutputFormat chosen = format == null ? null : Args.format("--format", format);
        boolean jsonOnStdout = json != null && json.stdout();
        if (output == null || output.stdout()) {
            if (jsonOnStdout) {
                if (chosen != null && chosen != OutputFormat.JSON) {
                    throw new IllegalArgumentException("--json " + jsonFile + " shows the JSON result on standard"
                            + " output, where --format " + name(chosen) + " would go too; give one");
                }
                return new Reports(OutputFormat.JSON, null, null);
            }
            return new Reports(chosen == null ? OutputFormat.TABLE : chosen, null, null);
        }
        OutputFormat byName = Args.formatOf(output.file());
        if (chosen != null && byName != null && chosen != byName) {
            throw new IllegalArgumentException("--output " + outputFile + ": the extension names " + name(byName)
                    + ", but --format asks for " + name(chosen) + "; give a file name that matches, or no --format");
        }
        OutputFormat inFile = chosen != null ? chosen : byName != null ? byName : OutputFormat.TABLE;
        return new Reports(jsonOnStdout ? OutputFormat.JSON : OutputFormat.TABLE, output, inFile);
    }

    private static String name(OutputFormat f) {
        return f.name().toLowerCase(Locale.ROOT);
    }

    /** Checks the --output file, before anything is measured (folders made, read-only refused). */
    void prepare(PrintWriter err) {
        if (file != null) {
            file.prepare(err);
        }
    }

    void write(Result result, PrintWriter out, PrintWriter err) {
        out.print(stdout.render(result));
        out.flush();
        if (file != null) {
            AtomicFiles.writeString(file.file(), fileFormat.render(result));
            err.println("wrote " + name(fileFormat) + " report to " + file);
            err.flush();
        }
    }

    /** A run that failed midway: the points it measured, on stdout, in the format asked for where possible. */
    void writePartial(Result partial, PrintWriter out) {
        String text;
        try {
            text = stdout.render(partial);
        } catch (RuntimeException e) {
            text = ConsoleReport.render(partial);
        }
        out.print(text);
        out.flush();
    }
}
