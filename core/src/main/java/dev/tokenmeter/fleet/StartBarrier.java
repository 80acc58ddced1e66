package dev.tokenmeter.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * Lets a fleet's ranks start measuring together: each rank, once it is ready (its checks done, its model about to
 * load), leaves a marker in the shared results folder and waits until every rank has left one, or until a limit
 * passes. A rank that fails before then leaves its marker too, so that nobody waits for it. Ranks then measure side
 * by side, in one window of time: the whole fleet loaded at once (a rack's shared power and cooling included), and,
 * where ranks share a host's cores (the CPU path on a test cluster), each under the same contention.
 *
 * <p>Markers are empty files {@code work/ready-ID/rank-NNNNN} under the results folder, one folder per fleet id and
 * job, so that markers of an earlier job in the same folder count for nothing.
 */
public final class StartBarrier {
    private final Path folder;
    private final int ranks;

    /**
     * @param results the fleet's results folder
     * @param fleetId the fleet's id
     * @param job     the scheduler's job id, or null
     * @param ranks   the fleet's size, at least 1
     */
    public StartBarrier(Path results, String fleetId, String job, int ranks) {
        Objects.requireNonNull(results, "results");
        Objects.requireNonNull(fleetId, "fleetId");
        if (ranks < 1) {
            throw new IllegalArgumentException("ranks must be >= 1, got " + ranks);
        }
        String id = (fleetId + (job == null || job.isBlank() ? "" : "-" + job)).replaceAll("[^A-Za-z0-9._-]", "_");
        this.folder = results.resolve("work").resolve("ready-" + id);
        this.ranks = ranks;
    }

    /** Leaves rank {@code rank}'s marker; again, nothing. */
    public void arrive(int rank) {
        try {
            Files.createDirectories(folder);
            Files.createFile(folder.resolve(RankFiles.name(rank).replace(".json", "")));
        } catch (FileAlreadyExistsException e) {
            // Arrived already.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot leave a marker in " + folder + ": " + e.getMessage(), e);
        }
    }

    /** The ranks that have arrived. */
    public int arrived() {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(folder)) {
            return (int) s.filter(p -> p.getFileName().toString().startsWith("rank-")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Waits until every rank has arrived or {@code limit} has passed, polling a few times a second (once a second for
     * a fleet of thousands, whose folder takes longer to list); {@code progress} hears the count whenever it changes.
     *
     * @return whether every rank arrived
     */
    public boolean await(Duration limit, IntConsumer progress) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        long pause = Math.min(1000, 200 + ranks / 4);
        int last = -1;
        while (true) {
            int n = arrived();
            if (n != last) {
                progress.accept(n);
                last = n;
            }
            if (n >= ranks) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(Math.max(1, Math.min(pause, (deadline - System.nanoTime()) / 1_000_000)));
        }
    }
}
