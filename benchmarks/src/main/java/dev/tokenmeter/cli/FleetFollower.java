package dev.tokenmeter.cli;

import dev.tokenmeter.fleet.RankFiles;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.scheduler.SlurmJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Follows a fleet's Slurm job until it ends: its state from {@code scontrol}, and how far its ranks are from their
 * files (started, finished, failed), a line whenever either changes. Polls quickly at first and more slowly for a
 * long job, and for a large fleet, whose folder takes longer to read.
 */
final class FleetFollower {
    private final SlurmJob job;
    private final Path folder;
    private final int ranks;
    private final PrintWriter err;

    FleetFollower(SlurmJob job, Path folder, int ranks, PrintWriter err) {
        this.job = job;
        this.folder = folder;
        this.ranks = ranks;
        this.err = err;
    }

    /**
     * Waits for the job to end, or to pend for a reason no wait ends.
     *
     * @return its last state; null where {@code limit} passed first
     */
    SlurmJob.State follow(Duration limit) {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        String last = null;
        long pause = 200;
        while (true) {
            SlurmJob.State s = job.state();
            int[] counts = counts();
            String line = String.format(Locale.ROOT, "job %s %s: ranks %d of %d started, %d finished, %d failed",
                    job.id(), s.describe(), counts[0], ranks, counts[1], counts[2]);
            if (!line.equals(last)) {
                err.println(line + " (" + seconds(System.nanoTime() - start) + ")");
                err.flush();
                last = line;
            }
            if (s.ended() || s.never()) {
                return s;
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            // A few polls a second while a short job runs, one every 10 s for a long one; more for a large fleet.
            pause = Math.min(10_000 + ranks, Math.max(pause, (System.nanoTime() - start) / 1_000_000 / 20));
        }
    }

    /**
     * Once the job has ended, waits up to {@code limit} for ranks whose files still say running: a cancelled or
     * timed-out job's ranks get a signal and a grace period (Slurm's KillWait) in which they write why they stopped.
     */
    void awaitRanksSettled(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            int[] c = counts();
            if (c[0] == c[1] + c[2]) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Ranks that wrote a file, that finished, that failed. */
    private int[] counts() {
        int[] c = new int[3];
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> RankFiles.rankOf(p) >= 0).toList();
        } catch (IOException e) {
            return c;
        }
        for (Path f : files) {
            c[0]++;
            String state = state(f);
            if ("finished".equals(state)) {
                c[1]++;
            } else if ("failed".equals(state)) {
                c[2]++;
            }
        }
        return c;
    }

    /** A rank file's state, read without the rest of it; null where it cannot be read now. */
    private static String state(Path f) {
        try (var parser = ResultJson.mapper().getFactory().createParser(f.toFile())) {
            int depth = 0;
            while (parser.nextToken() != null) {
                switch (parser.currentToken()) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME -> {
                        if (depth == 1 && "state".equals(parser.currentName())) {
                            parser.nextToken();
                            return parser.getText();
                        }
                    }
                    default -> {
                    }
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static String seconds(long nanos) {
        long s = nanos / 1_000_000_000L;
        return s < 120 ? s + " s" : s / 60 + " min " + s % 60 + " s";
    }
}
