package dev.tokenmeter.cli;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.backend.Availability;
import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.cuda.KernelChecks;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.GreedyGeneration;
import dev.tokenmeter.fleet.Answer;
import dev.tokenmeter.fleet.Fault;
import dev.tokenmeter.fleet.RankFiles;
import dev.tokenmeter.fleet.RankGpu;
import dev.tokenmeter.fleet.RankRecord;
import dev.tokenmeter.fleet.StartBarrier;
import dev.tokenmeter.fleet.VerifyOutcome;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioType;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter fleet rank}: one rank of a fleet, as a scheduler starts it on each GPU. It writes its file into
 * the results folder when it starts, checks its GPU against the CPU reference ({@code verify}), computes the fleet's
 * answer check, measures, and writes its file again, atomically, with the result, or with why it failed and what it
 * measured. A rank stopped by a signal (a cancelled or timed-out job) still writes why.
 */
@Command(name = "rank", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"One rank of a fleet: what `fleet submit`'s batch script runs on each GPU. Writes"
                + " RESULTS/rank-NNNNN.json when it starts and when it ends (atomically), with its node, GPU,"
                + " verification, answer check and result.",
                "Its rank comes from --rank, SLURM_PROCID or TOKENMETER_RANK; the fleet's size from --ranks,"
                        + " SLURM_NTASKS or TOKENMETER_RANKS; its node from --node, SLURMD_NODENAME, TOKENMETER_NODE or"
                        + " the host's name. Exit 0: measured; 1: failed (the file says why); 2: bad options."})
final class FleetRankCommand implements Callable<Integer> {
    /** The fleet's answer check: sequences, prompt and output tokens, small enough for any model. */
    static final int CHECK_REQUESTS = 4;
    static final int CHECK_PROMPT = 16;
    static final int CHECK_OUTPUT = 8;

    @Spec
    CommandSpec command;

    @Option(names = "--results", required = true, paramLabel = "DIR",
            description = "The fleet's shared results folder (made if missing).")
    Path results;

    @Option(names = "--fleet-id", required = true, paramLabel = "ID", description = "The fleet's id.")
    String fleetId;

    @Option(names = "--rank", paramLabel = "N", description = "This rank's number (default: SLURM_PROCID).")
    Integer rank;

    @Option(names = "--ranks", paramLabel = "N", description = "The fleet's size (default: SLURM_NTASKS).")
    Integer ranks;

    @Option(names = "--node", paramLabel = "NAME", description = "This node's name (default: SLURMD_NODENAME).")
    String node;

    @Mixin
    RankOptions rankOptions;

    @Parameters(paramLabel = "run|serve OPTIONS", description = "What the rank measures, after --.")
    List<String> run = new ArrayList<>();

    /** The environment, read once (tests give their own). */
    Map<String, String> env = System.getenv();

    private final Object fileLock = new Object();
    private RankRecord record;
    private boolean ended;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        int me = rank != null ? rank : intEnv("SLURM_PROCID", intEnv("TOKENMETER_RANK", -1));
        if (me < 0) {
            throw new ParameterException(command.commandLine(), "no rank: give --rank, or run under Slurm"
                    + " (SLURM_PROCID) or with TOKENMETER_RANK set");
        }
        int size = ranks != null ? ranks : intEnv("SLURM_NTASKS", intEnv("TOKENMETER_RANKS", 0));
        if (size < 0 || (size > 0 && me >= size)) {
            throw new ParameterException(command.commandLine(), "rank " + me + " is not one of the fleet's " + size
                    + " ranks");
        }
        Fault fault = rankOptions.faultFor(me, command.commandLine());
        Duration together = rankOptions.together(command.commandLine());
        if (together != null && size == 0) {
            throw new ParameterException(command.commandLine(), "--start-together needs the fleet's size: give"
                    + " --ranks, or run under Slurm (SLURM_NTASKS) or with TOKENMETER_RANKS set");
        }
        String host = hostName();
        String nodeName = node != null ? node : firstOf(env.get("SLURMD_NODENAME"), env.get("TOKENMETER_NODE"), host);
        String job = firstOf(env.get("SLURM_JOB_ID"), env.get("TOKENMETER_JOB"), null);
        Integer local = intEnv("SLURM_LOCALID", -1) >= 0 ? Integer.valueOf(intEnv("SLURM_LOCALID", -1)) : null;
        RankGpu gpu = new RankGpu(local, env.get("CUDA_VISIBLE_DEVICES"), null, null, null);
        List<String> commandLine = List.copyOf(run);
        Path resultFile = results.resolve("work").resolve("rank-" + me + ".result.json");
        try {
            // Several ranks may make it at once (the first ones of a Kubernetes Job, say): that is no error.
            Files.createDirectories(results);
        } catch (java.io.IOException e) {
            throw new TokenmeterException("the results folder " + results + " cannot be made: " + e, e);
        }
        record = RankRecord.started(fleetId, size, me, nodeName, host, job, gpu, Instant.now().toString(),
                commandLine, fault == null ? null : fault.toString());
        save(record);
        Thread onSignal = new Thread(() -> endBySignal(resultFile), "tokenmeter-rank-signal");
        Runtime.getRuntime().addShutdownHook(onSignal);
        StartBarrier barrier = together == null ? null : new StartBarrier(results, fleetId, job, size);
        try {
            return measure(me, fault, barrier, together, resultFile, out, err);
        } finally {
            if (barrier != null) {
                // A rank that failed before the others were ready must not keep them waiting.
                try {
                    barrier.arrive(me);
                } catch (RuntimeException e) {
                    err.println("fleet rank " + me + ": warning: " + e.getMessage() + "; the other ranks wait for"
                            + " this one until --start-together's limit");
                }
            }
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException e) {
                // Shutting down already: the hook runs and finds the rank ended.
            }
        }
    }

    private int measure(int me, Fault fault, StartBarrier barrier, Duration together, Path resultFile,
            PrintWriter out, PrintWriter err) {
        Measuring.Prepared prepared;
        try {
            List<String> args = new ArrayList<>(run);
            if (!args.contains("--json")) {
                args.addAll(List.of("--json", resultFile.toString()));
            }
            prepared = RankRun.parse(args, command.commandLine()).prepare();
        } catch (RuntimeException e) {
            end(record.failed(Instant.now().toString(), "its options were refused: " + e.getMessage(), null));
            throw e;
        }
        try {
            VerifyOutcome verified = verify(prepared.spec(), out);
            update(record.withVerify(verified));
            if (verified.status().equals(VerifyOutcome.FAILED)) {
                end(record.failed(Instant.now().toString(), "its GPU failed verification against the CPU reference: "
                        + verified.describe(), null));
                return Main.EXIT_FAILED;
            }
            Answer answer = answer(prepared.spec(), fault);
            if (answer != null) {
                update(record.withAnswer(answer));
            }
            if (barrier != null) {
                startTogether(me, barrier, together, err);
            }
            UnaryOperator<Backend> faulty = fault == null ? UnaryOperator.identity() : fault::apply;
            Result result = prepared.run(out, err, faulty);
            String device = result.environment() == null || result.environment().device() == null ? null
                    : result.environment().device().name();
            end(record.withGpu(record.gpu().withDevice(null, null, device)).finished(Instant.now().toString(),
                    result));
            err.println("fleet rank " + me + ": finished; " + results.resolve(RankFiles.name(me)));
            return Main.EXIT_OK;
        } catch (RuntimeException | Error e) {
            String why = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            end(record.failed(Instant.now().toString(), why, partial(resultFile)));
            err.println("fleet rank " + me + ": failed: " + why);
            err.flush();
            return Main.EXIT_FAILED;
        }
    }

    /** Arrives at the barrier and waits for the other ranks, saying how many are ready and how long it took. */
    private void startTogether(int me, StartBarrier barrier, Duration limit, PrintWriter err) {
        long start = System.nanoTime();
        barrier.arrive(me);
        boolean all;
        long[] lastSaid = {Long.MIN_VALUE};
        try {
            all = barrier.await(limit, n -> {
                // A line at first and then at most every 10 s: a fleet of thousands changes its count often.
                long now = System.nanoTime();
                if (lastSaid[0] == Long.MIN_VALUE || now - lastSaid[0] >= 10_000_000_000L) {
                    lastSaid[0] = now;
                    err.println("fleet rank " + me + ": " + n + " of " + record.ranks() + " ranks ready to measure");
                    err.flush();
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenmeterException("interrupted while waiting for the other ranks", e);
        }
        long seconds = Math.round((System.nanoTime() - start) / 1e9);
        err.println("fleet rank " + me + ": " + (all ? "every rank ready after " + seconds + " s: measuring"
                : "only " + barrier.arrived() + " of " + record.ranks() + " ranks ready after " + seconds
                        + " s (--start-together's limit): measuring without the rest"));
        err.flush();
    }

    /** The GPU against the CPU reference, where the rank runs on a GPU of its own. */
    static VerifyOutcome verify(RunSpec spec, PrintWriter out, boolean turnedOff) {
        if (turnedOff) {
            return VerifyOutcome.skipped("turned off (--no-verify)");
        }
        if (ScenarioType.ownBackendOf(spec) != null) {
            return VerifyOutcome.skipped("the rank measures an endpoint, whose GPUs are its server's");
        }
        if (spec.backend().equals("cpu")) {
            return VerifyOutcome.skipped("the rank runs on the CPU backend, the reference itself");
        }
        BackendProvider cuda = VerifyCommand.cudaProvider();
        Availability a = cuda == null ? null : cuda.availability();
        if (a == null || !a.usable()) {
            return VerifyOutcome.skipped("no usable GPU" + (a == null ? "" : ": " + a.reason()) + "; the rank runs"
                    + " on the " + spec.backend() + " backend");
        }
        List<KernelChecks.Check> checks;
        try (Backend b = cuda.open()) {
            checks = KernelChecks.runAll(b, c -> {
                out.println(c.line());
                out.flush();
            });
        }
        List<String> failedLines = checks.stream().filter(c -> !c.passed()).map(KernelChecks.Check::line).toList();
        int passed = checks.size() - failedLines.size();
        return failedLines.isEmpty() ? new VerifyOutcome(VerifyOutcome.PASSED, passed, 0, null)
                : new VerifyOutcome(VerifyOutcome.FAILED, passed, failedLines.size(), String.join("; ",
                        failedLines.subList(0, Math.min(5, failedLines.size()))));
    }

    private VerifyOutcome verify(RunSpec spec, PrintWriter out) {
        return verify(spec, out, rankOptions.noVerify);
    }

    /**
     * The fleet's answer check on the rank's own backend (with its fault, where {@link Fault#inAnswerCheck}); null
     * for an endpoint run.
     */
    static Answer answer(RunSpec spec, Fault fault) {
        if (ScenarioType.ownBackendOf(spec) != null) {
            return null;
        }
        spec.model().checkSequenceLength(CHECK_PROMPT, CHECK_OUTPUT);
        BackendProvider provider = Backends.select(spec.backend(), spec.model());
        EngineOptions options = EngineOptions.of(spec.seed(), CHECK_REQUESTS, CHECK_PROMPT + CHECK_OUTPUT);
        try (Backend b = provider.open(spec.threads()); Engine loaded = b.load(spec.model(), options)) {
            Engine engine = fault == null || !fault.inAnswerCheck() ? loaded : fault.apply(loaded);
            return Answer.of(b.name(), b.deterministic(), spec.seed(), CHECK_PROMPT,
                    GreedyGeneration.run(engine, spec.seed(), CHECK_REQUESTS, CHECK_PROMPT, CHECK_OUTPUT));
        }
    }

    /** The partial result the run's saver kept, or null. */
    private static Result partial(Path resultFile) {
        String name = resultFile.getFileName().toString();
        Path partial = resultFile.resolveSibling(name.replace(".json", ".partial.json"));
        for (Path p : List.of(resultFile, partial)) {
            if (Files.isRegularFile(p)) {
                try {
                    return ResultJson.read(p);
                } catch (IllegalArgumentException e) {
                    // A file cut short by the signal: nothing to keep from it.
                }
            }
        }
        return null;
    }

    private void save(RankRecord r) {
        RankFiles.write(r, results);
    }

    private void update(RankRecord r) {
        synchronized (fileLock) {
            if (!ended) {
                record = r;
                save(r);
            }
        }
    }

    private void end(RankRecord r) {
        synchronized (fileLock) {
            if (!ended) {
                record = r;
                save(r);
                ended = true;
            }
        }
    }

    /** A signal ends the JVM before the rank did: its file says so, with what was measured. */
    private void endBySignal(Path resultFile) {
        synchronized (fileLock) {
            if (!ended) {
                try {
                    save(record.failed(Instant.now().toString(), "stopped by a signal before it finished (the job was"
                            + " cancelled, ran out of time, or the node shut down)", partial(resultFile)));
                } catch (RuntimeException e) {
                    // The folder is gone or full: nothing more can be said.
                }
                ended = true;
            }
        }
    }

    private int intEnv(String name, int otherwise) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return otherwise;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ParameterException(command.commandLine(), name + " is not a number: '" + v + "'");
        }
    }

    private static String firstOf(String a, String b, String c) {
        return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : c;
    }

    private String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return firstOf(env.get("HOSTNAME"), "unknown-host", null);
        }
    }
}
