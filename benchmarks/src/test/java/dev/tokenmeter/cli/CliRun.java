package dev.tokenmeter.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
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

    /** Runs the command and asserts its exit code, showing both streams when it differs. */
    static CliRun expect(int code, String... args) {
        CliRun r = cli(args);
        org.junit.jupiter.api.Assertions.assertEquals(code, r.exitCode(), () -> String.join(" ", args)
                + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err());
        return r;
    }

    /** Asserts that {@code text} contains {@code part}, showing the text when not. */
    static void assertContains(String text, String part) {
        org.junit.jupiter.api.Assertions.assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n"
                + text);
    }

    /**
     * A null device of the test's own in {@code dir} (mknod, as root with CAP_MKNOD), or null where none can be made:
     * a test writes to it rather than to /dev/null, so that a regression replaces this node, not the machine's.
     */
    static Path nullDevice(Path dir) throws InterruptedException {
        Path device = dir.resolve("null-device");
        try {
            Process p = new ProcessBuilder("mknod", device.toString(), "c", "1", "3").redirectErrorStream(true).start();
            return p.waitFor() == 0 ? device : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The last line of stdout, or "" when there is none. */
    String lastLine() {
        java.util.List<String> lines = out.lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
}
