package dev.tokenmeter.cli;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.ConsoleTable;
import dev.tokenmeter.result.PointResult;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.OfflineBenchmark;
import dev.tokenmeter.scenario.OfflineSpec;
import dev.tokenmeter.scenario.ProgressListener;
import dev.tokenmeter.scenario.TrialRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenmeter run}: the offline benchmark, a console report on stdout and optionally a JSON result. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Runs the offline benchmark: static batches of synthetic prompts on a synthetic-weight model.",
                "Prints a report on stdout, progress on stderr; --json keeps the full result (a partial one if the"
                        + " run fails or is interrupted)."})
final class RunCommand implements Callable<Integer> {
    // Defaults of a bare "tokenmeter run": chosen so that it finishes in about a minute on a 2-core CPU.
    static final String DEFAULT_MODEL = "llama-110m";
    static final String DEFAULT_BATCH = "1,4";
    static final String DEFAULT_PROMPT_LENGTH = "64";
    static final String DEFAULT_OUTPUT_LENGTH = "32";
    static final String DEFAULT_SEED = "42";
    static final String DEFAULT_WARMUP = "1";
    static final String DEFAULT_MIN_TRIALS = "2";
    static final String DEFAULT_MAX_TRIALS = "20";
    static final String DEFAULT_BUDGET_SECONDS = "10";

    @Spec
    CommandSpec command;

    @Option(names = "--model", defaultValue = DEFAULT_MODEL, paramLabel = "NAME|FILE",
            description = "Model preset (see 'tokenmeter models') or a Hugging Face config.json."
                    + " Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--backend", defaultValue = Backends.AUTO, paramLabel = "NAME",
            description = "auto (a GPU if usable, else the CPU), cpu, cuda... Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--batch", split = ",", defaultValue = DEFAULT_BATCH, paramLabel = "N",
            description = "Batch sizes (requests per batch). Default: ${DEFAULT-VALUE}.")
    List<Integer> batch;

    @Option(names = "--prompt-len", split = ",", defaultValue = DEFAULT_PROMPT_LENGTH, paramLabel = "N",
            description = "Prompt lengths in tokens. Default: ${DEFAULT-VALUE}.")
    List<Integer> promptLength;

    @Option(names = {"--gen", "--output-len"}, split = ",", defaultValue = DEFAULT_OUTPUT_LENGTH,
            paramLabel = "N", description = "Output lengths in tokens. Default: ${DEFAULT-VALUE}.")
    List<Integer> outputLength;

    @Option(names = "--seed", defaultValue = DEFAULT_SEED, paramLabel = "N",
            description = "Seed of the synthetic weights and prompts. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--warmup", defaultValue = DEFAULT_WARMUP, paramLabel = "N",
            description = "Warm-up trials per point, discarded. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--min-trials", defaultValue = DEFAULT_MIN_TRIALS, paramLabel = "N",
            description = "Trials always measured per point. Default: ${DEFAULT-VALUE}.")
    int minTrials;

    @Option(names = "--max-trials", defaultValue = DEFAULT_MAX_TRIALS, paramLabel = "N",
            description = "Trials at most per point. Default: ${DEFAULT-VALUE}.")
    int maxTrials;

    @Option(names = "--budget", defaultValue = DEFAULT_BUDGET_SECONDS, paramLabel = "SECONDS",
            description = "Time per point after which no new trial starts (once --min-trials are done)."
                    + " Default: ${DEFAULT-VALUE}.")
    double budgetSeconds;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "CPU worker threads; 0 = every core. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--price", defaultValue = "auto", paramLabel = "auto|PRESET|USD",
            description = "Price per device-hour for the cost figures: auto (the device's preset), a preset"
                    + " name such as h100 or cpu, or US dollars. Default: ${DEFAULT-VALUE}.")
    String price;

    @Option(names = "--utilization", defaultValue = "1.0", paramLabel = "FRACTION",
            description = "Share of paid hours that serve traffic, in (0, 1]; divides the costs."
                    + " Default: ${DEFAULT-VALUE}.")
    double utilization;

    @Option(names = "--dtype", paramLabel = "bf16|fp32",
            description = "Override the model's weight dtype.")
    String dtype;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON (atomically).")
    Path json;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        // Every value is checked before a device is opened: a typo costs nothing.
        RunSpec spec = spec(Args.price(price, utilization));
        Args.outputFile("--json", json);
        BackendProvider provider = Backends.select(backend);
        try (Backend opened = provider.open(threads)) {
            if (spec.price() == null) {
                Price auto = PricePresets.forDevice(opened.device());
                if (auto != null) {
                    spec = withPrice(spec, auto.withUtilization(utilization));
                }
            }
            Result result = run(spec, opened, out, err);
            out.print(ConsoleTable.render(result));
            out.flush();
        }
        return Main.EXIT_OK;
    }

    private RunSpec spec(Price chosenPrice) {
        ModelConfig m = Args.model(model, dtype);
        OfflineSpec offline = new OfflineSpec(Args.positive("--batch", batch),
                Args.positive("--prompt-len", promptLength), Args.positive("--gen", outputLength));
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        }
        Args.positive("--min-trials", minTrials);
        if (maxTrials < minTrials) {
            throw new IllegalArgumentException("--max-trials must be >= --min-trials (" + minTrials + "), got "
                    + maxTrials);
        }
        if (!(budgetSeconds >= 0) || !Double.isFinite(budgetSeconds)) {
            throw new IllegalArgumentException("--budget must be a finite number of seconds >= 0, got "
                    + budgetSeconds);
        }
        Args.atLeastZero("--threads", threads, "every core");
        MeasurementPolicy policy = new MeasurementPolicy(warmup, minTrials, maxTrials, budgetSeconds);
        // RunSpec refuses prompt + output lengths beyond the model's positions, naming the figures.
        return new RunSpec(m, backend, seed, offline, policy, chosenPrice, threads);
    }

    private static RunSpec withPrice(RunSpec s, Price p) {
        return new RunSpec(s.model(), s.backend(), s.seed(), s.offline(), s.measurement(), p, s.threads());
    }

    /**
     * Runs with progress on stderr and, with --json, the result kept whatever happens. On failure the points
     * measured so far are shown before the error.
     */
    private Result run(RunSpec spec, Backend opened, PrintWriter out, PrintWriter err) {
        ProgressListener progress = quiet ? ProgressListener.NONE : new ConsoleProgress(err);
        Result[] last = new Result[1];
        try (ResultSaver saver = json == null ? null : new ResultSaver(json, spec, opened.device(), err)) {
            ProgressListener listener = new ProgressListener() {
                @Override
                public void pointStarted(OfflineSpec.Point point, int index, int total) {
                    progress.pointStarted(point, index, total);
                    if (saver != null) {
                        saver.pointStarted(point, index, total);
                    }
                }

                @Override
                public void warmupFinished(OfflineSpec.Point point, int warmupIndex) {
                    progress.warmupFinished(point, warmupIndex);
                }

                @Override
                public void trialFinished(OfflineSpec.Point point, int trialsDone, TrialRecord trial) {
                    progress.trialFinished(point, trialsDone, trial);
                }

                @Override
                public void pointFinished(PointResult result, int index, int total) {
                    progress.pointFinished(result, index, total);
                    if (saver != null) {
                        saver.pointFinished(result, index, total);
                    }
                }

                @Override
                public void runFinished(Result result) {
                    last[0] = result;
                    if (saver != null) {
                        saver.runFinished(result);
                    }
                }
            };
            try {
                return OfflineBenchmark.run(spec, opened, listener);
            } catch (RuntimeException e) {
                if (last[0] != null && !last[0].points().isEmpty()) {
                    out.print(ConsoleTable.render(last[0]));
                    out.flush();
                }
                throw e;
            }
        }
    }
}
