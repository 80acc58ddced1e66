package dev.tokenmeter.result;

import dev.tokenmeter.TokenmeterException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Files written whole or not at all: into a temporary file beside the target, then renamed over it, so that a reader
 * sees the old file or the whole new one, never half of one. What is not a regular file is never replaced: a device
 * ({@code /dev/null}), a FIFO or a terminal is written through, and so is anything under {@code /dev/} or
 * {@code /proc/} ({@code /dev/stdout} leads to whatever the shell redirected standard output to, which must be
 * written, not renamed over). A symbolic link keeps being a link: the file it points to is the one replaced.
 * Temporary files that a killed writer left behind (their writer's process is gone) are removed on the next write.
 */
public final class AtomicFiles {
    private static final String TMP_SUFFIX = ".tmp";

    private AtomicFiles() {
    }

    public static void writeString(Path target, String content) {
        try {
            Path file = followLinks(target.toAbsolutePath());
            if (writesThrough(target, file)) {
                try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
                    out.write(content.getBytes(StandardCharsets.UTF_8));
                }
                return;
            }
            replace(file, content);
        } catch (IOException e) {
            throw new TokenmeterException("could not write " + target + ": " + e, e);
        }
    }

    /**
     * Whether {@link #writeString} writes {@code target} in place (a device, a FIFO, anything under {@code /dev/} or
     * {@code /proc/}) rather than replacing it; such a target holds one document, written once, not a file to
     * rewrite as a run goes.
     */
    public static boolean writesThrough(Path target) {
        try {
            return writesThrough(target, followLinks(target.toAbsolutePath()));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Checks, before any work whose outcome {@code target} is to keep, that {@link #writeString} can write it, and
     * creates the folders it needs, so that a bad destination costs nothing: a directory, a folder that cannot be
     * created, or one that is read-only (or a special file that is) is refused with the reason.
     *
     * @return the folder created for it, or null when every folder was there
     * @throws TokenmeterException saying what is wrong with the destination
     */
    public static Path prepare(Path target) {
        Path file;
        try {
            file = followLinks(target.toAbsolutePath());
        } catch (IOException e) {
            throw new TokenmeterException(target + ": " + e.getMessage(), e);
        }
        if (Files.isDirectory(file)) {
            throw new TokenmeterException(target + " is a directory; give a file name");
        }
        if (writesThrough(target, file)) {
            if (!Files.isWritable(file)) {
                throw new TokenmeterException(target + " cannot be written (permission denied)");
            }
            return null;
        }
        Path dir = file.getParent();
        Path created = null;
        if (!Files.exists(dir)) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new TokenmeterException("cannot create the folder " + dir + " for " + target + ": " + e, e);
            }
            created = dir;
        } else if (!Files.isDirectory(dir)) {
            throw new TokenmeterException(dir + " is not a folder, so " + target + " cannot be written");
        }
        if (!Files.isWritable(dir)) {
            throw new TokenmeterException("cannot write in the folder " + dir + " (read-only, or permission"
                    + " denied), so " + target + " cannot be written");
        }
        return created;
    }

    /** Whether {@code file} (what {@code asked} leads to) is written in place rather than replaced. */
    static boolean writesThrough(Path asked, Path file) {
        String path = asked.toAbsolutePath().normalize().toString();
        if (path.startsWith("/dev/") || path.startsWith("/proc/")) {
            return true;
        }
        return Files.exists(file) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                && !Files.isDirectory(file);
    }

    /** The file a chain of symbolic links ends at (which may not exist yet); {@code path} itself if none. */
    static Path followLinks(Path path) throws IOException {
        Path p = path;
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == 40) {
                throw new IOException("too many levels of symbolic links from " + path);
            }
            p = p.resolveSibling(Files.readSymbolicLink(p)).normalize();
        }
        return p;
    }

    private static void replace(Path file, String content) throws IOException {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        removeStale(dir, file.getFileName().toString());
        // A plain new file (not createTempFile, which is owner-only) so that the result follows the umask.
        Path tmp = dir.resolve(tmpPrefix(file.getFileName().toString()) + ProcessHandle.current().pid() + "."
                + System.nanoTime() + TMP_SUFFIX);
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The write already failed; that is the error worth reporting.
                }
            }
        }
    }

    /** ".NAME." : how this class's temporary files for NAME begin; then the writer's pid, a time, ".tmp". */
    static String tmpPrefix(String name) {
        return "." + name + ".";
    }

    /** Removes temporary files of {@code name} whose writing process no longer runs (it was killed mid-write). */
    private static void removeStale(Path dir, String name) {
        String prefix = tmpPrefix(name);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix + "*" + TMP_SUFFIX)) {
            for (Path f : files) {
                String rest = f.getFileName().toString().substring(prefix.length());
                int dot = rest.indexOf('.');
                long pid;
                try {
                    pid = Long.parseLong(dot < 0 ? rest : rest.substring(0, dot));
                } catch (NumberFormatException e) {
                    continue;  // not one of ours
                }
                if (ProcessHandle.of(pid).isEmpty()) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Cleaning up after another writer is a courtesy; it never stops this write.
        }
    }
}
