package dev.tokenmeter.cli;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.report.OutputFormat;
import dev.tokenmeter.result.AtomicFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Where a file option sends what it writes: a file, or standard output ({@code -}, and the names that lead to it:
 * {@code /dev/stdout}, {@code /dev/fd/1}, {@code /proc/self/fd/1}), which the command writes on its own stdout
 * rather than by opening a device that may not be openable (a socket) and that would interleave with the report.
 *
 * @param option the option that named it, for messages
 * @param file   the file; null for standard output
 */
record Destination(String option, Path file) {
    /** What "-" means on every file option. */
    static final String STDOUT = "-";
    private static final Set<String> STDOUT_NAMES = Set.of(STDOUT, "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1");

    /** The destination an option names; null when the option was not given. */
    static Destination of(String option, Path given) {
        if (given == null) {
            return null;
        }
        return new Destination(option, STDOUT_NAMES.contains(given.toString()) ? null : given);
    }

    boolean stdout() {
        return file == null;
    }

    /** Whether both lead to the same place: both stdout, or the same file (through links, where they exist). */
    boolean sameAs(Destination other) {
        if (other == null || stdout() != other.stdout()) {
            return false;
        }
        return stdout() || real(file).equals(real(other.file));
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (java.io.IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /**
     * Checks, before anything is measured, that the file can be written, and creates the folders it needs, saying
     * so on {@code err}; what is wrong is a usage error naming the option.
     */
    void prepare(PrintWriter err) {
        if (stdout()) {
            return;
        }
        Path created;
        try {
            created = AtomicFiles.prepare(file);
        } catch (TokenmeterException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
        if (created != null) {
            err.println("created the folder " + created + " for " + option + " " + file);
            err.flush();
        }
    }

    /**
     * This destination, refused when its file's extension names another format than the one the option writes
     * ({@code --json r.csv}); a plain-text extension ({@code .txt}) or none is fine.
     */
    Destination writing(OutputFormat format) {
        OutputFormat named = file == null ? null : Args.formatOf(file);
        if (named != null && named != format && named != OutputFormat.TABLE) {
            throw new IllegalArgumentException(option + " " + file + ": the extension names "
                    + named.name().toLowerCase(Locale.ROOT) + ", but " + option + " writes "
                    + format.name().toLowerCase(Locale.ROOT) + "; give a file name that matches");
        }
        return this;
    }

    /** How messages name it: the file, or "standard output". */
    @Override
    public String toString() {
        return stdout() ? "standard output" : file.toString();
    }
}
