package dev.tokenmeter.cli;

import dev.tokenmeter.ServingBenchmark;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ServingPointResult;
import dev.tokenmeter.result.ServingSpec;
import dev.tokenmeter.serving.load.ArrivalProcess;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.load.TraceArrivals;
import dev.tokenmeter.serving.metrics.SloSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter serve}: the serving scenario. Requests arrive (Poisson or gamma at a rate, a replayed trace,
 * or a closed loop of fixed concurrency) and are served by continuous batching over the engine's unified step with
 * a paged KV cache; each point reports TTFT, TPOT, ITL and E2E percentiles, throughput, goodput against the SLOs,
 * and whether the offered load was sustained. Several rates or concurrencies give the latency–throughput curve;
 * {@code --search LO:HI} finds the highest rate that meets the SLOs.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Runs the serving scenario: requests arriving at a rate (or a trace, or a closed loop),"
                + " continuous batching with chunked prefill over a paged KV cache, latency percentiles, goodput"
                + " against SLOs. A list of rates is a sweep; --search finds the highest rate meeting --slo."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Option(names = "--model", defaultValue = RunCommand.DEFAULT_MODEL, paramLabel = "NAME|FILE",
            description = "Preset or HF config.json (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--backend", defaultValue = Backends.AUTO, paramLabel = "NAME",
            description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "CPU threads (0: all cores).")
    int threads;

    @Option(names = "--rate", split = ",", paramLabel = "REQ/S",
            description = "Open-loop arrival rates in requests/s; several make a sweep.")
    List<Double> rates;

    @Option(names = "--burstiness", defaultValue = "1", paramLabel = "B",
            description = "Gamma inter-arrival shape: 1 Poisson (default), < 1 burstier, > 1 more regular.")
    double burstiness;

    @Option(names = "--concurrency", split = ",", paramLabel = "N",
            description = "Closed loop instead: N requests in flight, a new one as each finishes; several make a"
                    + " sweep.")
    List<Integer> concurrencies;

    @Option(names = "--trace", paramLabel = "FILE.jsonl",
            description = "Replay arrivals and lengths from JSON Lines {\"at\": s, \"prompt\": n, \"output\": n}.")
    Path trace;

    @Option(names = "--trace-scale", defaultValue = "1", paramLabel = "F",
            description = "Multiply the trace's times by F (0.5: twice as fast).")
    double traceScale;

    @Option(names = "--search", paramLabel = "LO:HI",
            description = "Find the highest Poisson rate in [LO, HI] req/s that meets --slo (bisection on measured"
                    + " points).")
    String search;

    @Option(names = "--requests", defaultValue = "200", paramLabel = "N", description = "Requests per point.")
    int requests;

    @Option(names = "--prompt-len", defaultValue = "128", paramLabel = "N|LO:HI",
            description = "Prompt tokens, fixed or uniform in a range (default: ${DEFAULT-VALUE}).")
    String promptLen;

    @Option(names = {"--gen", "--output-len"}, defaultValue = "32", paramLabel = "N|LO:HI",
            description = "Output tokens, fixed or uniform in a range (default: ${DEFAULT-VALUE}).")
    String genLen;

    @Option(names = "--slo", paramLabel = "SPEC",
            description = "SLOs, e.g. ttft=2s,tpot=100ms (p99 unless ttft:p90=...); goodput counts requests"
                    + " meeting all.")
    String slo;

    @Option(names = "--max-seqs", defaultValue = "64", paramLabel = "N",
            description = "Sequences running at once (default: ${DEFAULT-VALUE}).")
    int maxSeqs;

    @Option(names = "--max-batch-tokens", defaultValue = "0", paramLabel = "N",
            description = "Token budget of one step, decodes and prompt chunks (0, the default: 2048 on a GPU, 256"
                    + " on the CPU, whose prompt chunks would otherwise stall every decode for seconds).")
    int maxBatchTokens;

    @Option(names = "--kv-block-size", defaultValue = "16", paramLabel = "N",
            description = "Positions per KV-cache block (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--kv-blocks", defaultValue = "0", paramLabel = "N",
            description = "KV-cache blocks (0: every running sequence at full length; fewer forces preemption).")
    int kvBlocks;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Seed of weights, prompts and"
            + " arrivals.")
    long seed;

    @Option(names = "--warmup-requests", defaultValue = "8", paramLabel = "N",
            description = "Requests served before the points are measured (JIT, allocation), at the workload's"
                    + " lengths (a trace's first request's). On a GPU a ramp through every decode batch size up to"
                    + " --max-seqs follows, so that no CUDA graph is captured inside a point; 0 skips both.")
    int warmupRequests;

    @Option(names = "--max-duration", defaultValue = "600", paramLabel = "SECONDS",
            description = "Time limit of one point; requests left are reported unfinished.")
    double maxDuration;

    @Option(names = "--price", defaultValue = "auto", paramLabel = "auto|PRESET|USD",
            description = "Price per device-hour for the cost columns (as for run; default: the device's preset).")
    String price;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "stdout format: table, json, csv, markdown or html (default: table).")
    String format;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Also write the report to FILE, in the format its extension names (or --format).")
    Path output;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write the result (schema v1, scenario serving) as JSON, atomically; kept if a point fails.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        // Everything is checked before a device is opened, with the option's name in the message.
        ModelConfig m = Args.model(model, null);
        LengthDistribution prompt = LengthDistribution.parse("--prompt-len", promptLen);
        LengthDistribution gen = LengthDistribution.parse("--gen", genLen);
        Args.positive("--requests", requests);
        Args.positive("--max-seqs", maxSeqs);
        Args.atLeastZero("--max-batch-tokens", maxBatchTokens, "2048 on a GPU, 256 on the CPU");
        Args.positive("--kv-block-size", blockSize);
        Args.atLeastZero("--kv-blocks", kvBlocks, "every running sequence at full length");
        Args.atLeastZero("--warmup-requests", warmupRequests, "none");
        Args.atLeastZero("--threads", threads, "every core");
        if (!(maxDuration > 0) || Double.isInfinite(maxDuration)) {
            throw new IllegalArgumentException("--max-duration must be a number of seconds > 0, got " + maxDuration);
        }
        SloSet slos = slo == null ? null : SloSet.parse(slo);
        RunCommand.Reports reports = RunCommand.Reports.of(format, output, json);
        Price asked = "auto".equals(price) ? null : Args.price(price, 1.0);
        int modes = (rates != null ? 1 : 0) + (concurrencies != null ? 1 : 0) + (trace != null ? 1 : 0)
                + (search != null ? 1 : 0);
        if (modes != 1) {
            throw new IllegalArgumentException("give exactly one of --rate, --concurrency, --trace and --search");
        }
        if (rates != null) {
            for (double r : rates) {
                ArrivalProcess.gamma(r, burstiness);  // checks --rate and --burstiness
            }
        }
        if (concurrencies != null) {
            Args.positive("--concurrency", concurrencies);
        }
        if (!(traceScale > 0) || Double.isInfinite(traceScale)) {
            throw new IllegalArgumentException("--trace-scale must be a finite number > 0, got " + traceScale);
        }
        double[] bracket = search == null ? null : bracket(search);
        if (bracket != null && slos == null) {
            throw new IllegalArgumentException("--search needs --slo: the SLOs the rate must meet");
        }
        ServingBenchmark run = ServingBenchmark.builder().model(m).backend(backend).seed(seed).threads(threads)
                .burstiness(burstiness).requests(requests).promptLengths(prompt).outputLengths(gen).slo(slos)
                .maxSequences(maxSeqs).maxBatchTokens(maxBatchTokens).kvBlockSize(blockSize).kvBlocks(kvBlocks)
                .warmupRequests(warmupRequests).maxDurationSeconds(maxDuration).price(asked);
        if (rates != null) {
            run.rates(rates.stream().mapToDouble(Double::doubleValue).toArray());
        } else if (concurrencies != null) {
            run.concurrencies(concurrencies.stream().mapToInt(Integer::intValue).toArray());
        } else if (trace != null) {
            run.trace(trace.getFileName().toString(), TraceArrivals.read(trace), traceScale);
        } else {
            run.search(bracket[0], bracket[1]);
        }

        Progress progress = new Progress(json, err);
        Result result;
        try {
            result = run.listener(progress).run();
            progress.finished(result);
        } catch (RuntimeException | Error e) {
            progress.failed();
            throw e;
        } finally {
            progress.close();
        }
        for (String w : result.warnings()) {
            err.println(w);
        }
        err.flush();
        reports.write(result, out, err);
        return Main.EXIT_OK;
    }

    /**
     * What the run shows on stderr as it goes (its setup, each point, a line every 10 s of a long point), and the
     * {@code --json} file kept whatever happens ({@link ServingSaver}).
     */
    private final class Progress implements ServingBenchmark.Listener, AutoCloseable {
        private final Path json;
        private final PrintWriter err;
        private ServingSaver saver;
        private String label;
        private long nextLine;

        Progress(Path json, PrintWriter err) {
            this.json = json;
            this.err = err;
        }

        @Override
        public void started(RunSpec spec, Environment environment, String backendName) {
            ServingSpec s = spec.serving();
            err.println("serve: " + spec.model().name() + " on " + backendName + " ("
                    + environment.device().name() + "), " + s.maxSequences() + " sequences, step budget "
                    + s.maxTokensPerStep() + " tokens, KV " + s.kvBlocks() + " blocks of " + s.kvBlockSize()
                    + (s.slo() == null ? "" : ", SLO " + s.slo()));
            err.flush();
            saver = new ServingSaver(json, spec, environment, Instant.now().toString(), err);
        }

        @Override
        public void pointFinished(ServingPointResult p) {
            saver.add(p);
            var m = p.metrics();
            err.println(String.format(Locale.ROOT, "[%s] %.2f req/s, %.1f out tok/s, TTFT p99 %.1f ms, TPOT p99 %s"
                    + " ms%s%s", p.label(), m.requestsPerSecond(), m.outputTokensPerSecond(), m.ttftMs().p99(),
                    m.tpotMs() == null ? "-" : String.format(Locale.ROOT, "%.2f", m.tpotMs().p99()),
                    p.slo() == null ? "" : p.slo().meetsSlo() ? ", SLO met" : ", SLO missed",
                    p.load().overloaded() ? ", OVERLOADED" : ""));
            err.flush();
        }

        /** A line every 10 s of a point: requests done so far, so that a long point shows it is alive. */
        @Override
        public void afterStep(String point, long steps, int finished, int total, long now) {
            if (!point.equals(label)) {
                label = point;
                nextLine = 10_000_000_000L;
            }
            if (now >= nextLine) {
                nextLine = now + 10_000_000_000L;
                err.println(String.format(Locale.ROOT, "[%s] %d of %d requests done after %.0f s (%d steps)", point,
                        finished, total, now / 1e9, steps));
                err.flush();
            }
        }

        /** The run failed: the points measured so far are kept. */
        void failed() {
            if (saver != null) {
                saver.failed();
            }
        }

        /** The run completed: its result is written. */
        void finished(Result result) {
            if (saver != null) {
                saver.write(result);
            }
        }

        @Override
        public void close() {
            if (saver != null) {
                saver.close();
            }
        }
    }

    private static double[] bracket(String text) {
        String[] parts = text.split(":", -1);
        try {
            if (parts.length == 2) {
                double lo = Double.parseDouble(parts[0]);
                double hi = Double.parseDouble(parts[1]);
                if (lo > 0 && hi > lo && Double.isFinite(hi)) {
                    return new double[] {lo, hi};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--search must be LO:HI requests/s with 0 < LO < HI, got '" + text + "'");
    }
}
