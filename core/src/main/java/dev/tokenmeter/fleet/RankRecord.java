package dev.tokenmeter.fleet;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.tokenmeter.result.Result;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What one rank of a fleet writes into the fleet's results folder, as {@code rank-00003.json}: who it is (its rank,
 * node and GPU), what it was told to run, whether its GPU passed verification, the answer it computed on the fleet's
 * check, and its run's result. A rank writes the file when it starts ({@link State#RUNNING}) and again, atomically,
 * when it ends: a reader finds either state whole, never half a file. A rank that fails says why and keeps what it
 * measured.
 *
 * @param format     always {@value #FORMAT}: what tells a rank file from any other JSON
 * @param version    version of this structure ({@value #VERSION})
 * @param fleetId    the fleet the rank belongs to: every rank of one job carries the same id
 * @param ranks      how many ranks the fleet has ({@code SLURM_NTASKS}); 0 where the rank was not told
 * @param rank       this rank's number, 0 to ranks − 1
 * @param node       the node's name ({@code SLURMD_NODENAME}, else the host's)
 * @param host       the host's name
 * @param job        the scheduler's job id, or null
 * @param gpu        the GPU the rank ran on
 * @param state      running, finished or failed
 * @param failure    why it failed; null otherwise
 * @param startedAt  ISO-8601 instant
 * @param finishedAt ISO-8601 instant, null while running
 * @param command    the run's command line ({@code run --model tiny …})
 * @param fault      a fault injected on purpose to test the fleet's checks ("slow:3"), or null
 * @param verify     what verification said, or null where it had not run yet
 * @param answer     the answer on the fleet's check, or null where there is none (an endpoint run, a failure first)
 * @param result     the run's result (partial where the run failed), or null where nothing was measured
 */
@JsonPropertyOrder({"format", "version", "fleetId", "ranks", "rank", "node", "host", "job", "gpu", "state", "failure",
    "startedAt", "finishedAt", "command", "fault", "verify", "answer", "result"})
public record RankRecord(String format, int version, String fleetId, int ranks, int rank, String node, String host,
        String job, RankGpu gpu, State state, String failure, String startedAt, String finishedAt,
        List<String> command, String fault, VerifyOutcome verify, Answer answer, Result result) {
    public static final String FORMAT = "tokenmeter-fleet-rank";
    public static final int VERSION = 1;

    /** Where a rank is. */
    public enum State {
        RUNNING,
        FINISHED,
        FAILED;

        @com.fasterxml.jackson.annotation.JsonValue
        String json() {
            return name().toLowerCase(Locale.ROOT);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        static State parse(String s) {
            for (State v : values()) {
                if (v.json().equals(s)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("state must be running, finished or failed, got '" + s + "'");
        }
    }

    public RankRecord {
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("not a tokenmeter rank file (format '" + format + "')");
        }
        Objects.requireNonNull(fleetId, "fleetId");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(state, "state");
        if (rank < 0 || ranks < 0 || (ranks > 0 && rank >= ranks)) {
            throw new IllegalArgumentException("rank must be in [0, ranks), got rank " + rank + " of " + ranks);
        }
        if (state == State.FAILED && (failure == null || failure.isBlank())) {
            throw new IllegalArgumentException("a failed rank says why (failure is empty)");
        }
        command = command == null ? List.of() : List.copyOf(command);
    }

    /** A rank that has just started. */
    public static RankRecord started(String fleetId, int ranks, int rank, String node, String host, String job,
            RankGpu gpu, String startedAt, List<String> command, String fault) {
        return new RankRecord(FORMAT, VERSION, fleetId, ranks, rank, node, host, job, gpu, State.RUNNING, null,
                startedAt, null, command, fault, null, null, null);
    }

    /** This rank after verification. */
    public RankRecord withVerify(VerifyOutcome outcome) {
        return new RankRecord(format, version, fleetId, ranks, rank, node, host, job, gpu, state, failure, startedAt,
                finishedAt, command, fault, outcome, answer, result);
    }

    /** This rank with its answer. */
    public RankRecord withAnswer(Answer computed) {
        return new RankRecord(format, version, fleetId, ranks, rank, node, host, job, gpu, state, failure, startedAt,
                finishedAt, command, fault, verify, computed, result);
    }

    /** This rank with the GPU it found it ran on. */
    public RankRecord withGpu(RankGpu found) {
        return new RankRecord(format, version, fleetId, ranks, rank, node, host, job, found, state, failure,
                startedAt, finishedAt, command, fault, verify, answer, result);
    }

    /** This rank, finished with {@code measured}. */
    public RankRecord finished(String at, Result measured) {
        return new RankRecord(format, version, fleetId, ranks, rank, node, host, job, gpu, State.FINISHED, null,
                startedAt, at, command, fault, verify, answer, measured);
    }

    /** This rank, failed for {@code why}, keeping {@code measured} (partial, or null). */
    public RankRecord failed(String at, String why, Result measured) {
        return new RankRecord(format, version, fleetId, ranks, rank, node, host, job, gpu, State.FAILED, why,
                startedAt, at, command, fault, verify, answer, measured);
    }
}
