package dev.tokenmeter.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One in-process run of the command line, as the CLI tests see it: the exit code and both streams. */
record CliRun(int exitCode, String out, String err) {

    /** Runs {@code tokenmeter args...} with tokenmeter's own error handling, capturing stdout and stderr. */
    static CliRun cli(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** The last line of stdout, or "" when there is none. */
    String lastLine() {
        java.util.List<String> lines = out.lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
}
