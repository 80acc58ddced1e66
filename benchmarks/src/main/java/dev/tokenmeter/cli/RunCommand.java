package dev.tokenmeter.cli;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.WeightDtype;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter run}: the offline benchmark through the library's front door ({@link Benchmark#offline()}), a
 * report on stdout (or in a file) and optionally the full result as JSON. With {@code --spec} it repeats the run a
 * result file records, with any option given beside it overriding that run's value.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Runs the offline benchmark: static batches of synthetic prompts on a synthetic-weight model.",
                "Prints a report on stdout, progress on stderr; --json keeps the full result (a partial one if the"
                        + " run fails or is interrupted). --spec RESULT.json repeats the run that file records:"
                        + " the same model shape, backend, seed, points, measurement policy, price and threads;"
                        + " options given beside --spec override its values."})
final class RunCommand implements Callable<Integer>, Measuring {
    // Defaults of a bare "tokenmeter run", measured on the 2-core CPU the README promises (docs/performance.md,
    // "The default first run"): it finishes within half a minute, and on a quiet host both points usually reach their
    // target. There, ±1% was out of reach of the batch-1 point within 10 s or 20 trials (its trials vary by 3% and
    // more, and the first measured one often runs slow while the JIT is still compiling); on a busy host no target
    // is in reach, and each point says calmly what it reached.
    static final String DEFAULT_BATCH = "1,4";
    static final String DEFAULT_PROMPT_LENGTH = "64";
    static final String DEFAULT_OUTPUT_LENGTH = "32";
    static final String DEFAULT_WARMUP = "1";
    static final String DEFAULT_WARMUP_SECONDS = "4";
    static final String DEFAULT_MIN_TRIALS = "3";
    static final String DEFAULT_MAX_TRIALS = "30";
    static final String DEFAULT_BUDGET_SECONDS = "10";
    static final String DEFAULT_TARGET = "3%";

    /** The options that define the run (the rest choose outputs); each overrides a --spec file's value. */
    static final List<String> SPEC_OPTIONS = List.of("--model", "--dtype", "--backend", "--batch", "--prompt-len",
            "--gen", "--seed", "--warmup", "--warmup-time", "--min-trials", "--max-trials", "--budget", "--target",
            "--threads", "--price", "--utilization");

    /** The spec's fields as this command's options name them, for the messages of values the spec refuses. */
    static final Map<String, String> OPTIONS = Args.options(Map.of("batchSizes", "--batch", "promptLengths",
            "--prompt-len", "outputLengths", "--gen", "warmupTrials", "--warmup", "warmupSeconds", "--warmup-time",
            "minTrials", "--min-trials", "maxTrials", "--max-trials", "budgetSeconds", "--budget",
            "targetRelativeCi", "--target"));

    @Spec
    CommandSpec command;

    @Option(names = "--spec", paramLabel = "RESULT.json",
            description = "Repeat the run this result file records (its full run spec: model shape, backend, seed,"
                    + " points, measurement policy, price, threads). Options given too override its values.")
    Path specFile;

    @Mixin
    ModelOptions models;

    @Option(names = "--batch", split = ",", defaultValue = DEFAULT_BATCH, paramLabel = "N",
            description = "Batch sizes (requests per batch). Default: ${DEFAULT-VALUE}.")
    List<Integer> batch;

    @Option(names = "--prompt-len", split = ",", defaultValue = DEFAULT_PROMPT_LENGTH, paramLabel = "N",
            description = "Prompt lengths in tokens. Default: ${DEFAULT-VALUE}.")
    List<Integer> promptLength;

    @Option(names = {"--gen", "--output-len"}, split = ",", defaultValue = DEFAULT_OUTPUT_LENGTH,
            paramLabel = "N", description = "Output lengths in tokens. Default: ${DEFAULT-VALUE}.")
    List<Integer> outputLength;

    @Option(names = "--warmup", defaultValue = DEFAULT_WARMUP, paramLabel = "N",
            description = "Warm-up trials per point, discarded; 0 turns warm-up off. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--warmup-time", defaultValue = DEFAULT_WARMUP_SECONDS, paramLabel = "SECONDS",
            description = "Warm-up goes on for at least this long (after its --warmup trials), so that the JIT has"
                    + " compiled the hot loops before anything is measured; it ends sooner after 10000 warm-up"
                    + " trials. Default: ${DEFAULT-VALUE}.")
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

    @Mixin
    PriceOptions prices;

    @Mixin
    OutputOptions outputs;

    /** The utilization the run's price carries; applied to the device's preset when the price is auto. */
    private double effectiveUtilization;

    @Override
    public Integer call() {
        prepare().run(command.commandLine().getOut(), command.commandLine().getErr(), b -> b);
        return Main.EXIT_OK;
    }

    @Override
    public Prepared prepare() {
        PrintWriter err = command.commandLine().getErr();
        // Every value is checked before a device is opened: a typo costs nothing.
        Execution execution = new Execution(outputs);
        Result repeated = specFile == null ? null : repeatedResult();
        RunSpec spec = Args.checked(OPTIONS, () -> spec(repeated == null ? null : repeated.spec()));
        if (repeated != null) {
            err.println(describeRepeat(spec));
            err.flush();
        }
        return new Prepared(spec, execution, effectiveUtilization, device -> {
            if (repeated != null) {
                noteDeviceChange(repeated, device, err);
            }
        });
    }

    /** The result file --spec names, refused with the option's name when it is none. */
    private Result repeatedResult() {
        Result r;
        try {
            r = ResultJson.read(specFile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--spec: " + e.getMessage(), e);
        }
        if (!(r.spec().scenario() instanceof OfflineSpec)) {
            throw new IllegalArgumentException("--spec: " + specFile + " is a " + r.scenario() + " result; 'run'"
                    + " repeats offline runs (serve takes the same options again)");
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
     * The run spec through the library's builder: from the options, or from {@code base} (a result file's) with the
     * options given overriding it. The records check every value; their messages name the options ({@link #OPTIONS}).
     */
    private RunSpec spec(RunSpec base) {
        OfflineSpec before = base == null ? null : (OfflineSpec) base.scenario();
        OfflineSpec.Builder b = before == null ? Benchmark.offline() : new OfflineSpec.Builder(before).from(base);
        ModelConfig m;
        if (base == null || given("--model")) {
            m = models.config();
        } else {
            // The full shape the file records, not a preset name: a preset may change, a record does not.
            m = models.dtype == null ? base.model() : base.model().withWeightDtype(WeightDtype.parse(models.dtype));
        }
        b.model(m).batchSizes(pick(base, "--batch", () -> batch, () -> before.batchSizes()))
                .promptLengths(pick(base, "--prompt-len", () -> promptLength, () -> before.promptLengths()))
                .outputLengths(pick(base, "--gen", () -> outputLength, () -> before.outputLengths()));
        MeasurementPolicy p = before == null ? null : before.measurement();
        b.measurement(new MeasurementPolicy(pick(base, "--warmup", () -> warmup, () -> p.warmupTrials()),
                pick(base, "--min-trials", () -> minTrials, () -> p.minTrials()),
                pick(base, "--max-trials", () -> maxTrials, () -> p.maxTrials()),
                pick(base, "--budget", () -> budgetSeconds, () -> p.budgetSeconds()),
                pick(base, "--target", () -> Args.target(target), () -> p.targetRelativeCi()),
                pick(base, "--warmup-time", () -> warmupSeconds, () -> p.warmupSeconds())));
        Price oldPrice = base == null ? null : base.price();
        effectiveUtilization = base == null || given("--utilization") || oldPrice == null ? prices.utilization()
                : oldPrice.utilization();
        Price chosen = base == null || given("--price") ? Args.price(prices.price, effectiveUtilization)
                : oldPrice == null ? null : oldPrice.withUtilization(effectiveUtilization);
        return b.backend(pick(base, "--backend", () -> models.backend, () -> base.backend()))
                .seed(pick(base, "--seed", () -> models.seed, () -> base.seed()))
                .threads(pick(base, "--threads", () -> models.threads, () -> base.threads()))
                .price(chosen).spec();
    }

    private String describeRepeat(RunSpec spec) {
        List<String> overridden = new ArrayList<>();
        for (String option : SPEC_OPTIONS) {
            if (given(option)) {
                overridden.add(option);
            }
        }
        OfflineSpec offline = (OfflineSpec) spec.scenario();
        MeasurementPolicy p = offline.measurement();
        String changes = overridden.isEmpty() ? "nothing overridden"
                : "overridden on the command line: " + String.join(", ", overridden);
        return String.format(Locale.ROOT, "repeating the run in %s: model %s, backend %s, seed %d, %d points,"
                + " %d warm-up, %d-%d trials, %s s budget, target ±%s; %s", specFile, spec.model().name(),
                spec.backend(), spec.seed(), offline.points().size(), p.warmupTrials(), p.minTrials(),
                p.maxTrials(), trim(p.budgetSeconds()), Args.percent(p.targetRelativeCi()), changes);
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
}
