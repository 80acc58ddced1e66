package dev.tokenmeter.cli;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter report}: a saved result rendered again, in any format, without measuring anything, so that a
 * ten-minute sweep kept with {@code --json} becomes HTML, CSV or Markdown at once. It reads what {@code compare} and
 * {@code plan} read: a result of either scenario, of any schema version this build reads (version 1 files are
 * upgraded on reading), complete or not; its outputs are {@code run}'s {@code --format} and {@code --output}.
 */
@Command(name = "report", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false,
        description = {"Renders a saved result of 'run --json' or 'serve --json' (any schema version, complete or"
                + " not) without measuring anything: the table on stdout, or --format FORMAT there, or --output FILE"
                + " in the format its extension names (the table then on stdout), as 'run' writes them.",
                "Exit codes: 0 rendered; 2 usage error (a missing or malformed file, a bad option); 1 a report"
                        + " that could not be written."})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Parameters(index = "0", paramLabel = "RESULT.json",
            description = "The result to render (JSON from 'run --json' or 'serve --json'); - reads it from stdin.")
    Path result;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "table, json, csv, markdown or html; on stdout, or in the --output file. Default: table,"
                    + " or what the --output file's extension names (an extension naming another format than"
                    + " --format is refused).")
    String format;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Write the report to this file (atomically; missing folders are made) and show the table on"
                    + " stdout; - is stdout.")
    Path output;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        Reports reports = Reports.of(format, output, null);
        boolean fromStdin = Destination.STDOUT.equals(result.toString());
        if (!fromStdin && reports.file() != null && reports.file().sameAs(Destination.of("RESULT", result))) {
            throw new IllegalArgumentException("--output " + output + " names the result being rendered; it would be"
                    + " overwritten");
        }
        reports.prepare(err);
        reports.write(fromStdin ? readStdin() : ResultJson.read(result), out, err);
        return Main.EXIT_OK;
    }

    private static Result readStdin() {
        try {
            return ResultJson.parse(new String(System.in.readAllBytes(), StandardCharsets.UTF_8), "standard input");
        } catch (IOException e) {
            throw new IllegalArgumentException("standard input cannot be read: " + e.getMessage(), e);
        }
    }
}
