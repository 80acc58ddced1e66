package dev.tokenmeter.result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tokenmeter.TokenmeterException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an atomic write does to destinations that are not plain files: it must never turn a device, a FIFO or a
 * symbolic link into a regular file, and it must clean up after a writer that was killed mid-write.
 */
class AtomicFilesTest {
    @TempDir
    Path dir;

    /** Runs a command to its end, returning whether it succeeded (false where the tool or permission is missing). */
    private static boolean succeeds(String... command) throws InterruptedException {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private List<String> names() throws IOException {
        return names(dir);
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFifoIsWrittenThroughAndStaysAFifo() throws Exception {
        Path fifo = dir.resolve("results.fifo");
        assumeTrue(succeeds("mkfifo", fifo.toString()), "mkfifo is not available here");
        ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fifo-reader");
            t.setDaemon(true);  // left blocked on the FIFO if the write replaced it instead
            return t;
        });
        try {
            CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return Files.readString(fifo);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, reader);
            AtomicFiles.writeString(fifo, "through the pipe\n");
            assertTrue(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS));
            assertFalse(Files.isRegularFile(fifo, LinkOption.NOFOLLOW_LINKS), "the FIFO was replaced by a file");
            // Bounded only so that a broken write fails the test rather than hang it; no speed is asserted.
            assertEquals("through the pipe\n", read.get(60, TimeUnit.SECONDS));
            assertEquals(List.of("results.fifo"), names(), "no temporary file");
        } finally {
            reader.shutdownNow();
        }
    }

    @Test
    void aDeviceNodeIsWrittenThroughAndStaysADevice() throws Exception {
        // A null device of our own: a regression would replace it, not the machine's /dev/null.
        Path device = dir.resolve("null");
        assumeTrue(succeeds("mknod", device.toString(), "c", "1", "3"), "mknod is not permitted here (no"
                + " CAP_MKNOD), so no device node can be made to write to");
        assertTrue(AtomicFiles.writesThrough(device));
        assertNull(AtomicFiles.prepare(device), "nothing to create for a device");
        AtomicFiles.writeString(device, "discarded");
        assertFalse(Files.isRegularFile(device, LinkOption.NOFOLLOW_LINKS), "the device was replaced by a file");
        assertEquals("", Files.readString(device), "still the null device");
        assertEquals(List.of("null"), names(), "no temporary file");
    }

    @Test
    void whatIsUnderDevOrProcIsWrittenThrough() {
        // Only asked, never written: a test must not put the machine's devices at stake.
        for (String path : List.of("/dev/null", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", "/dev/shm/r.json")) {
            assertTrue(AtomicFiles.writesThrough(Path.of(path)), path);
        }
        assertFalse(AtomicFiles.writesThrough(dir.resolve("r.json")), "a new regular file is replaced");
    }

    @Test
    void aSymbolicLinkStaysALinkAndItsTargetIsReplaced() throws IOException {
        Files.createDirectories(dir.resolve("runs"));
        Path target = dir.resolve("runs").resolve("monday.json");
        Files.writeString(target, "old");
        Path link = Files.createSymbolicLink(dir.resolve("latest.json"), Path.of("runs", "monday.json"));
        AtomicFiles.writeString(link, "new");
        assertTrue(Files.isSymbolicLink(link), "the link was replaced by a file");
        assertEquals(Path.of("runs", "monday.json"), Files.readSymbolicLink(link));
        assertEquals("new", Files.readString(target, StandardCharsets.UTF_8));
        assertFalse(AtomicFiles.writesThrough(link), "a link to a regular file is replaced atomically");
        assertEquals(List.of("monday.json"), names(dir.resolve("runs")), "no temporary file beside the target");
    }

    @Test
    void aDanglingLinkGetsItsTargetCreatedInAFolderMadeForIt() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("latest.json"), Path.of("later", "result.json"));
        assertEquals(dir.resolve("later"), AtomicFiles.prepare(link), "the folder the link points into is made");
        AtomicFiles.writeString(link, "{}");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("{}", Files.readString(dir.resolve("later").resolve("result.json")));
    }

    @Test
    void aLinkLoopIsRefusedWithTheReason() throws IOException {
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        Files.createSymbolicLink(a, b.getFileName());
        Files.createSymbolicLink(b, a.getFileName());
        TokenmeterException e = assertThrows(TokenmeterException.class, () -> AtomicFiles.writeString(a, "x"));
        assertTrue(e.getMessage().contains("too many levels of symbolic links"), e.getMessage());
        assertTrue(Files.isSymbolicLink(a) && Files.isSymbolicLink(b));
    }

    @Test
    void staleTemporaryFilesOfADeadWriterAreRemovedOnTheNextWrite() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long deadPid = gone.pid();
        assumeTrue(ProcessHandle.of(deadPid).isEmpty(), "the finished process's pid was reused at once");
        String prefix = AtomicFiles.tmpPrefix("r.json");
        Path stale = Files.writeString(dir.resolve(prefix + deadPid + ".12345.tmp"), "half a resu");
        Path live = Files.writeString(dir.resolve(prefix + ProcessHandle.current().pid() + ".1.tmp"), "in flight");
        Path foreign = Files.writeString(dir.resolve(prefix + "notes.tmp"), "not ours");
        Path otherName = Files.writeString(dir.resolve(AtomicFiles.tmpPrefix("s.json") + deadPid + ".1.tmp"), "s");
        AtomicFiles.writeString(dir.resolve("r.json"), "{}");
        assertFalse(Files.exists(stale), "the dead writer's temporary file is removed");
        assertTrue(Files.exists(live), "a live writer's temporary file is left alone");
        assertTrue(Files.exists(foreign), "a file that is not one of ours is left alone");
        assertTrue(Files.exists(otherName), "another target's temporary files are that write's business");
        assertEquals("{}", Files.readString(dir.resolve("r.json")));
    }

    @Test
    void prepareCreatesMissingFoldersAndRefusesDirectoriesAndReadOnlyFolders() throws Exception {
        Path nested = dir.resolve("a").resolve("b").resolve("r.json");
        assertEquals(dir.resolve("a").resolve("b"), AtomicFiles.prepare(nested));
        assertTrue(Files.isDirectory(nested.getParent()));
        assertNull(AtomicFiles.prepare(nested), "nothing left to create");

        TokenmeterException isDir = assertThrows(TokenmeterException.class, () -> AtomicFiles.prepare(dir));
        assertTrue(isDir.getMessage().contains("is a directory"), isDir.getMessage());

        Path blocker = Files.writeString(dir.resolve("plain"), "a file where a folder should be");
        TokenmeterException notFolder = assertThrows(TokenmeterException.class,
                () -> AtomicFiles.prepare(blocker.resolve("r.json")));
        assertTrue(notFolder.getMessage().contains("is not a folder"), notFolder.getMessage());

        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeTrue(!Files.isWritable(locked), "running as root: a read-only mode does not stop writes here");
            TokenmeterException readOnly = assertThrows(TokenmeterException.class,
                    () -> AtomicFiles.prepare(locked.resolve("r.json")));
            assertTrue(readOnly.getMessage().contains("cannot write in the folder " + locked), readOnly.getMessage());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void prepareRefusesAReadOnlyFileSystemEvenToRoot() {
        // /sys is mounted read-only in most containers, and root cannot write there either.
        Path sys = Path.of("/sys");
        assumeTrue(Files.isDirectory(sys) && !Files.isWritable(sys), "no read-only /sys on this host");
        TokenmeterException e = assertThrows(TokenmeterException.class,
                () -> AtomicFiles.prepare(sys.resolve("tokenmeter-result.json")));
        assertTrue(e.getMessage().contains("cannot write in the folder /sys"), e.getMessage());
    }
}
