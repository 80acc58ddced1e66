package dev.tokenmeter.cli;

import dev.tokenmeter.TokenmeterException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One run at a time on a {@code --json} file: two runs writing the same file would take turns replacing each
 * other's points, and the first to finish would remove the other's file in progress. The second run is refused
 * before it measures anything, naming the first one's process. The lock is an operating-system lock on a hidden
 * file beside the result ({@code .NAME.lock}), so a killed run holds it no longer; the file is removed when the run
 * ends, and one a killed run left is taken over (and removed) by the next run.
 */
final class RunLock implements AutoCloseable {
    private static final int ATTEMPTS = 10;
    /**
     * Lock files this JVM holds. Checked before the file is opened again: closing any other descriptor of a locked
     * file would release this process's lock on it (POSIX locks belong to the process and the file).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
    private final Path lockFile;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean released;

    private RunLock(Path lockFile, FileChannel channel, FileLock lock) {
        this.lockFile = lockFile;
        this.channel = channel;
        this.lock = lock;
    }

    /** The hidden lock file of {@code file}. */
    static Path lockFileOf(Path file) {
        Path absolute = file.toAbsolutePath();
        return absolute.resolveSibling("." + absolute.getFileName() + ".lock");
    }

    /**
     * Takes the lock of {@code file}.
     *
     * @throws TokenmeterException when another run holds it, or the lock file cannot be made
     */
    static RunLock acquire(Path file) {
        Path lockFile = lockFileOf(file).normalize();
        if (!HELD.add(lockFile)) {
            throw busy(file, Long.toString(ProcessHandle.current().pid()));
        }
        boolean taken = false;
        try {
            RunLock lock = tryAcquire(file, lockFile);
            taken = true;
            return lock;
        } finally {
            if (!taken) {
                HELD.remove(lockFile);
            }
        }
    }

    private static TokenmeterException busy(Path file, String holder) {
        return new TokenmeterException(file + " is being written by another tokenmeter run" + (holder.isEmpty() ? ""
                : " (pid " + holder + ")") + "; wait for it to end, or give another file");
    }

    private static RunLock tryAcquire(Path file, Path lockFile) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            FileChannel channel = null;
            try {
                channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                Object opened = fileKey(lockFile);
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    throw busy(file, holder(lockFile));
                }
                // The holder removes the file before it lets go: a lock taken on a file already removed (another
                // run may have made a new one since) is taken again. Only stat the path here: opening and closing
                // the file again would release the lock.
                if (opened != null && opened.equals(fileKey(lockFile))) {
                    channel.truncate(0);
                    channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid())
                            .getBytes(StandardCharsets.UTF_8)), 0);
                    RunLock taken = new RunLock(lockFile, channel, lock);
                    channel = null;
                    return taken;
                }
                lock.release();
            } catch (IOException e) {
                throw new TokenmeterException("could not lock " + file + " against another run (" + lockFile
                        + "): " + e, e);
            } finally {
                closeQuietly(channel);
            }
        }
        throw new TokenmeterException("could not lock " + file + " against another run: " + lockFile
                + " keeps being replaced");
    }

    /** The file's identity (device and inode), or null when it is gone or the file system has none. */
    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static String read(Path lockFile) throws IOException {
        try {
            return Files.readString(lockFile, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    /** The pid the lock file names, or "" when it cannot be read. */
    private static String holder(Path lockFile) {
        try {
            String text = read(lockFile);
            int space = text.indexOf(' ');
            return space < 0 ? text : text.substring(0, space);
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closing releases the lock; nothing else to do.
            }
        }
    }

    /** Removes the lock file, then lets go of the lock; again is a no-op. */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            Files.deleteIfExists(lockFile);
        } catch (IOException ignored) {
            // A lock file left behind is taken over by the next run.
        }
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it too.
        }
        closeQuietly(channel);
        HELD.remove(lockFile);
    }
}
