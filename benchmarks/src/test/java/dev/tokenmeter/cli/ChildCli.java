package dev.tokenmeter.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The command line in a child JVM, built from the test class path, for what only a process of its own shows: a
 * signal (SIGINT runs the shutdown hooks, SIGKILL runs nothing), an exit code, a real stdout. Its stderr is collected
 * as it comes so that a test can wait for a phase ("[1/2] ... started") before acting. Waits are bounded only so
 * that a broken build fails rather than hangs; nothing here asserts a speed.
 */
final class ChildCli implements AutoCloseable {
    /** The most a wait lasts before the test fails with what the child said. */
    private static final long DEADLINE_SECONDS = 180;
    private final Process process;
    private final StringBuffer err = new StringBuffer();
    private final Thread reader;

    private ChildCli(Process process) {
        this.process = process;
        this.reader = new Thread(this::collect, "child-stderr");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code tokenmeter args...} in {@code dir}.
     *
     * @param stdout where its stdout goes (a file, or a device such as /dev/full)
     */
    static ChildCli start(Path dir, File stdout, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--add-modules=jdk.incubator.vector", "-cp", classPath(), Main.class.getName()));
        command.addAll(args);
        return new ChildCli(new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(stdout).start());
    }

    /** The test class path: surefire's own list where it gives one (its JVM may see only a manifest jar). */
    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /**
     * Whether this JVM ignores SIGINT, as a process started in the background by a non-interactive shell does; its
     * children inherit that, and the JVM then installs no handler: Ctrl-C cannot be simulated.
     */
    static boolean sigintIgnored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1)) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // No /proc: assume the default disposition.
        }
        return false;
    }

    private void collect() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                err.append(line).append('\n');
            }
        } catch (IOException e) {
            err.append("(reading stderr failed: ").append(e).append(")\n");
        }
    }

    long pid() {
        return process.pid();
    }

    /** What the child wrote on stderr so far. */
    String err() {
        return err.toString();
    }

    /** Waits until stderr holds {@code part}; fails, showing stderr, if the child ends first. */
    void awaitErr(String part) throws InterruptedException {
        await(() -> err().contains(part), "'" + part + "' on stderr");
    }

    /** Waits until {@code file} exists; fails, showing stderr, if the child ends first. */
    void awaitFile(Path file) throws InterruptedException {
        await(() -> Files.exists(file), file + " to exist");
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!condition.getAsBoolean()) {
            if (!process.isAlive() && !condition.getAsBoolean()) {
                reader.join(TimeUnit.SECONDS.toMillis(10));
                fail("the child ended (exit " + process.exitValue() + ") before " + what + "; stderr:\n" + err());
            }
            if (System.nanoTime() > deadline) {
                fail("no " + what + " after " + DEADLINE_SECONDS + " s; stderr:\n" + err());
            }
            Thread.sleep(20);
        }
    }

    /** Sends a signal by name (INT, TERM) with kill(1), as a terminal or a CI runner would. */
    void signal(String name) throws IOException, InterruptedException {
        int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
        if (rc != 0) {
            fail("kill -" + name + " " + process.pid() + " failed with " + rc);
        }
    }

    /** SIGKILL: no hook, no finally block runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Waits for the child to end and returns its exit code, with all of its stderr collected. */
    int exitCode() throws InterruptedException {
        if (!process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            fail("the child did not end within " + DEADLINE_SECONDS + " s; stderr:\n" + err());
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
