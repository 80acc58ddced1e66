package dev.tokenmeter.cli;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.WeightDtype;
import dev.tokenmeter.result.AtomicFiles;
import dev.tokenmeter.result.ConsoleTable;
import dev.tokenmeter.result.OutputFormat;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.OfflineBenchmark;
import dev.tokenmeter.scenario.OfflineSpec;
import dev.tokenmeter.scenario.ProgressListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter run}: the offline benchmark, a report on stdout (or in a file) and optionally the full result as
 * JSON. With {@code --spec} it repeats the run a result file records, with any option given beside it overriding
 * that run's value.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Runs the offline benchmark: static batches of synthetic prompts on a synthetic-weight model.",
                "Prints a report on stdout, progress on stderr; --json keeps the full result (a partial one if the"
                        + " run fails or is interrupted). --spec RESULT.json repeats the run that file records:"
                        + " the same model shape, backend, seed, points, measurement policy, price and threads;"
                        + " options given beside --spec override its values."})
final class RunCommand implements Callable<Integer> {
    // Defaults of a bare "tokenmeter run": chosen so that it finishes in about a minute on a 2-core CPU.
    static final String DEFAULT_MODEL = "llama-110m";
    static final String DEFAULT_BATCH = "1,4";
    static final String DEFAULT_PROMPT_LENGTH = "64";
    static final String DEFAULT_OUTPUT_LENGTH = "32";
    static final String DEFAULT_SEED = "42";
    static final String DEFAULT_WARMUP = "1";
    static final String DEFAULT_WARMUP_SECONDS = "2";
    static final String DEFAULT_MIN_TRIALS = "2";
    static final String DEFAULT_MAX_TRIALS = "20";
    static final String DEFAULT_BUDGET_SECONDS = "10";
    static final String DEFAULT_TARGET = "1%";

    /** The options that define the run (the rest choose outputs); each overrides a --spec file's value. */
    static final List<String> SPEC_OPTIONS = List.of("--model", "--dtype", "--backend", "--batch", "--prompt-len",
            "--gen", "--seed", "--warmup", "--warmup-time", "--min-trials", "--max-trials", "--budget", "--target", "--threads",
            "--price", "--utilization");

    @Spec
    CommandSpec command;

    @Option(names = "--spec", paramLabel = "RESULT.json",
            description = "Repeat the run this result file records (its full run spec: model shape, backend, seed,"
                    + " points, measurement policy, price, threads). Options given too override its values.")
    Path specFile;

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
            description = "Warm-up trials per point, discarded; 0 turns warm-up off. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--warmup-time", defaultValue = DEFAULT_WARMUP_SECONDS, paramLabel = "SECONDS",
            description = "Warm-up goes on for at least this long (after its --warmup trials), so that the JIT has"
                    + " compiled the hot loops before anything is measured. Default: ${DEFAULT-VALUE}.")
    double warmupSeconds;

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

    @Option(names = "--target", defaultValue = DEFAULT_TARGET, paramLabel = "PERCENT",
            description = "Precision sought: trials stop once the 95%% confidence half-width of the mean output"
                    + " tok/s is within this share of it (1%% or 0.01). Default: ${DEFAULT-VALUE}.")
    String target;

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

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Report format: table, json, csv, markdown or html; on stdout, or in the --output file"
                    + " (stdout then shows the table). Default: table, or what the --output file's extension"
                    + " names.")
    String format;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Write the report in --format to this file (atomically) and show the table on stdout.")
    Path output;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the full result as JSON (atomically); a"
            + " partial one if the run fails or is interrupted.")
    Path json;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|bar|lines|none",
            description = "Progress on stderr: a bar redrawn in place (on a terminal), log lines, or none."
                    + " Default: ${DEFAULT-VALUE} (a bar on an interactive terminal, else lines).")
    String progress;

    @Option(names = "--quiet", description = "No progress on stderr (same as --progress none).")
    boolean quiet;

    /** The utilization the run's price carries; applied to the device's preset when the price is auto. */
    private double effectiveUtilization;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        // Every value is checked before a device is opened: a typo costs nothing.
        ConsoleProgress.Mode progressMode = ConsoleProgress.Mode.parse(progress);
        Reports reports = reports();
        Args.outputFile("--json", json);
        Result repeated = specFile == null ? null : repeatedResult();
        RunSpec spec = spec(repeated == null ? null : repeated.spec());
        if (repeated != null) {
            err.println(describeRepeat(spec));
            err.flush();
        }
        BackendProvider provider = Backends.select(spec.backend(), spec.model());
        try (Backend opened = provider.open(spec.threads())) {
            if (repeated != null) {
                noteDeviceChange(repeated, opened.device(), err);
            }
            if (spec.price() == null) {
                Price auto = PricePresets.forDevice(opened.device());
                if (auto != null) {
                    spec = withPrice(spec, auto.withUtilization(effectiveUtilization));
                }
            }
            ProgressListener progressListener = ConsoleProgress.create(progressMode, quiet, err, spec.measurement());
            Result result = run(spec, opened, progressListener, reports, out, err);
            reports.write(result, out, err);
        }
        return Main.EXIT_OK;
    }

    /** The result file --spec names, refused with the option's name when it is none. */
    private Result repeatedResult() {
        Result r;
        try {
            r = ResultJson.read(specFile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--spec: " + e.getMessage(), e);
        }
        if (r.spec() == null) {
            throw new IllegalArgumentException("--spec: " + specFile + " records no run spec");
        }
        if (r.spec().offline() == null) {
            throw new IllegalArgumentException("--spec: " + specFile + " is a serving result; 'run' repeats offline"
                    + " runs (serve takes the same options again)");
        }
        return r;
    }

    /** Whether this option was given on the command line (as opposed to taking its default). */
    private boolean given(String option) {
        return command.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** The command line's value where there is no spec file or the option was given, else the spec file's. */
    private <T> T pick(RunSpec base, String option, Supplier<T> commandLine, Supplier<T> fromSpec) {
        return base == null || given(option) ? commandLine.get() : fromSpec.get();
    }

    /**
     * The run spec: from the options, or from {@code base} (a result file's) with the options given overriding it.
     * Checked the same way either way, naming the option at fault.
     */
    private RunSpec spec(RunSpec base) {
        ModelConfig m;
        if (base == null || given("--model")) {
            m = Args.model(model, dtype);
        } else {
            // The full shape the file records, not a preset name: a preset may change, a record does not.
            m = dtype == null ? base.model() : base.model().withWeightDtype(WeightDtype.parse(dtype));
        }
        OfflineSpec offline = new OfflineSpec(
                Args.positive("--batch", pick(base, "--batch", () -> batch, () -> base.offline().batchSizes())),
                Args.positive("--prompt-len", pick(base, "--prompt-len", () -> promptLength,
                        () -> base.offline().promptLengths())),
                Args.positive("--gen", pick(base, "--gen", () -> outputLength, () -> base.offline().outputLengths())));
        MeasurementPolicy before = base == null ? null : base.measurement();
        int w = pick(base, "--warmup", () -> warmup, () -> before.warmupTrials());
        double ws = pick(base, "--warmup-time", () -> warmupSeconds, () -> before.warmupSeconds());
        int min = pick(base, "--min-trials", () -> minTrials, () -> before.minTrials());
        int max = pick(base, "--max-trials", () -> maxTrials, () -> before.maxTrials());
        double budget = pick(base, "--budget", () -> budgetSeconds, () -> before.budgetSeconds());
        double precision = pick(base, "--target", () -> Args.target(target), () -> before.targetRelativeCi());
        if (w < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + w);
        }
        if (!(ws >= 0) || !Double.isFinite(ws)) {
            throw new IllegalArgumentException("--warmup-time must be a finite number of seconds >= 0, got " + ws);
        }
        Args.positive("--min-trials", min);
        if (max < min) {
            throw new IllegalArgumentException("--max-trials must be >= --min-trials (" + min + "), got " + max);
        }
        if (!(budget >= 0) || !Double.isFinite(budget)) {
            throw new IllegalArgumentException("--budget must be a finite number of seconds >= 0, got " + budget);
        }
        int t = Args.atLeastZero("--threads", pick(base, "--threads", () -> threads, () -> base.threads()),
                "every core");
        MeasurementPolicy policy = new MeasurementPolicy(w, min, max, budget, precision, ws);

        Price oldPrice = base == null ? null : base.price();
        effectiveUtilization = base == null || given("--utilization") || oldPrice == null
                ? Args.utilization(utilization) : oldPrice.utilization();
        Price chosen = base == null || given("--price") ? Args.price(price, effectiveUtilization)
                : oldPrice == null ? null : oldPrice.withUtilization(effectiveUtilization);
        String b = pick(base, "--backend", () -> backend, () -> base.backend());
        long s = pick(base, "--seed", () -> seed, () -> base.seed());
        // RunSpec refuses prompt + output lengths beyond the model's positions, naming the figures.
        return new RunSpec(m, b, s, offline, policy, chosen, t);
    }

    private String describeRepeat(RunSpec spec) {
        List<String> overridden = new ArrayList<>();
        for (String option : SPEC_OPTIONS) {
            if (given(option)) {
                overridden.add(option);
            }
        }
        MeasurementPolicy p = spec.measurement();
        String changes = overridden.isEmpty() ? "nothing overridden"
                : "overridden on the command line: " + String.join(", ", overridden);
        return String.format(Locale.ROOT, "repeating the run in %s: model %s, backend %s, seed %d, %d points,"
                + " %d warm-up, %d-%d trials, %s s budget, target ±%s; %s", specFile, spec.model().name(),
                spec.backend(), spec.seed(), spec.offline().points().size(), p.warmupTrials(), p.minTrials(),
                p.maxTrials(), trim(p.budgetSeconds()), ConsoleProgress.percent(p.targetRelativeCi()), changes);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** A repeat on another device measures something else; say so rather than let the figures be compared. */
    private void noteDeviceChange(Result repeated, DeviceInfo now, PrintWriter err) {
        if (repeated.environment() == null || repeated.environment().device() == null) {
            return;
        }
        DeviceInfo then = repeated.environment().device();
        if (!then.backend().equals(now.backend()) || !then.name().equals(now.name())) {
            err.println("note: " + specFile + " was measured on " + then.backend() + " (" + then.name()
                    + "); this run is on " + now.backend() + " (" + now.name() + ")");
            err.flush();
        }
    }

    private static RunSpec withPrice(RunSpec s, Price p) {
        return new RunSpec(s.model(), s.backend(), s.seed(), s.offline(), s.measurement(), p, s.threads());
    }

    /** Where the report goes, in which format; decided before the run so that a bad format costs nothing. */
    private Reports reports() {
        return Reports.of(format, output, json);
    }

    /**
     * The report on stdout in one format and, with --output, in a file in another.
     *
     * @param file       null for no file
     * @param fileFormat the file's format, null for no file
     */
    record Reports(OutputFormat stdout, Path file, OutputFormat fileFormat) {
        /** From --format, --output and --json (checked here, before anything runs). */
        static Reports of(String format, Path output, Path json) {
            Args.outputFile("--output", output);
            if (output != null && json != null && output.toAbsolutePath().normalize()
                    .equals(json.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--output and --json name the same file, " + output);
            }
            OutputFormat chosen = format == null ? null : Args.format("--format", format);
            if (output == null) {
                return new Reports(chosen == null ? OutputFormat.TABLE : chosen, null, null);
            }
            OutputFormat byName = Args.formatOf(output);
            OutputFormat inFile = chosen != null ? chosen : byName != null ? byName : OutputFormat.TABLE;
            return new Reports(OutputFormat.TABLE, output, inFile);
        }

        void write(Result result, PrintWriter out, PrintWriter err) {
            out.print(stdout.render(result));
            out.flush();
            if (file != null) {
                AtomicFiles.writeString(file, fileFormat.render(result));
                err.println("wrote " + name(fileFormat) + " report to " + file);
                err.flush();
            }
        }

        /** A run that failed midway: the points it measured, on stdout, in the format asked for where possible. */
        void writePartial(Result partial, PrintWriter out) {
            String text;
            try {
                text = stdout.render(partial);
            } catch (RuntimeException e) {
                text = ConsoleTable.render(partial);
            }
            out.print(text);
            out.flush();
        }

        private static String name(OutputFormat f) {
            return f.name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Runs with progress on stderr and, with --json, the result kept whatever happens. On failure the points
     * measured so far are shown before the error.
     */
    private Result run(RunSpec spec, Backend opened, ProgressListener progress, Reports reports, PrintWriter out,
            PrintWriter err) {
        Result[] last = new Result[1];
        try (ResultSaver saver = json == null ? null : new ResultSaver(json, spec, opened.device(), err)) {
            ProgressListener keepLast = new ProgressListener() {
                @Override
                public void runFinished(Result result) {
                    last[0] = result;
                }
            };
            ProgressListener listener = saver == null ? Listeners.of(progress, keepLast)
                    : Listeners.of(progress, saver, keepLast);
            try {
                return OfflineBenchmark.run(spec, opened, listener);
            } catch (RuntimeException e) {
                if (last[0] != null && !last[0].points().isEmpty()) {
                    reports.writePartial(last[0], out);
                }
                throw e;
            }
        }
    }
}
