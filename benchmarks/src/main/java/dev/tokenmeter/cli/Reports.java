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
 * format costs nothing.
 *
 * @param file       null for no file
 * @param fileFormat the file's format, null for no file
 */
record Reports(OutputFormat stdout, Path file, OutputFormat fileFormat) {
    /** From --format, --output and --json (checked here, before anything runs). */
    static Reports of(OutputOptions o) {
        Args.outputFile("--output", o.output);
        Args.outputFile("--json", o.json);
        if (o.output != null && o.json != null && o.output.toAbsolutePath().normalize()
                .equals(o.json.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("--output and --json name the same file, " + o.output);
        }
        OutputFormat chosen = o.format == null ? null : Args.format("--format", o.format);
        if (o.output == null) {
            return new Reports(chosen == null ? OutputFormat.TABLE : chosen, null, null);
        }
        OutputFormat byName = Args.formatOf(o.output);
        OutputFormat inFile = chosen != null ? chosen : byName != null ? byName : OutputFormat.TABLE;
        return new Reports(OutputFormat.TABLE, o.output, inFile);
    }

    void write(Result result, PrintWriter out, PrintWriter err) {
        out.print(stdout.render(result));
        out.flush();
        if (file != null) {
            AtomicFiles.writeString(file, fileFormat.render(result));
            err.println("wrote " + fileFormat.name().toLowerCase(Locale.ROOT) + " report to " + file);
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
