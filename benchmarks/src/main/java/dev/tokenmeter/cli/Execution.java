package dev.tokenmeter.cli;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.ScenarioRunner;
import java.io.PrintWriter;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * What {@code run} and {@code serve} share once their spec is built: the backend opened, an automatic price made the
 * device's preset at the asked utilization, the run through the library's one runner with progress on stderr and
 * the {@code --json} file kept whatever happens, and the reports written. Its options are checked when it is made,
 * before anything runs.
 */
final class Execution {
    private final Reports reports;
    private final Destination json;
    private final ConsoleProgress.Mode progress;
    private final boolean quiet;

    Execution(OutputOptions options) {
        this.progress = ConsoleProgress.Mode.parse(options.progress);
        this.quiet = options.quiet;
        this.reports = Reports.of(options.format, options.output, options.json);
        Destination asked = Destination.of("--json", options.json);
        // "--json -": the result is stdout's report (Reports made it JSON), not a file to keep as the run goes.
        this.json = asked == null || asked.stdout() ? null : asked;
    }

    /**
     * Runs {@code spec} and writes its reports. Every destination is checked (and its folders made) before the
     * device is opened, so that a destination that cannot be written costs nothing.
     *
     * @param utilization the share of paid hours that serve traffic, applied to the device's preset where the spec
     *                    asks for the automatic price
     * @param opened      told the device once it is open, before anything is measured
     */
    Result run(RunSpec spec, double utilization, PrintWriter out, PrintWriter err, Consumer<DeviceInfo> opened) {
        return run(spec, utilization, out, err, opened, UnaryOperator.identity());
    }

    /**
     * {@link #run(RunSpec, double, PrintWriter, PrintWriter, Consumer)} on the backend as {@code backend} wraps it
     * (a fleet rank's injected fault).
     */
    Result run(RunSpec spec, double utilization, PrintWriter out, PrintWriter err, Consumer<DeviceInfo> opened,
            UnaryOperator<Backend> backend) {
        reports.prepare(err);
        if (json != null) {
            json.prepare(err);
        }
        try (ResultSaver saver = new ResultSaver(json == null ? null : json.file(), err);
                Backend b = backend.apply(ScenarioRunner.open(spec))) {
            opened.accept(device(b, err));
            RunSpec priced = spec;
            if (spec.price() == null) {
                Price preset = PricePresets.forDevice(b.device());
                priced = preset == null ? spec : spec.withPrice(preset.withUtilization(utilization));
            }
            Result result = run(priced, b, saver, out, err);
            reports.write(result, out, err);
            return result;
        }
    }

    /** The backend's device, whose ceilings are measured the first time it is asked for: a phase worth showing. */
    private DeviceInfo device(Backend backend, PrintWriter err) {
        if (quiet || progress == ConsoleProgress.Mode.NONE) {
            return backend.device();
        }
        try (SlowPhase phase = SlowPhase.start(err, "measuring the " + backend.name() + " backend's ceilings",
                SlowPhase.QUIET_NANOS)) {
            return backend.device();
        }
    }

    /** The run with progress and the saver; on failure the points measured so far are shown before the error. */
    private Result run(RunSpec spec, Backend backend, ResultSaver saver, PrintWriter out, PrintWriter err) {
        Result[] last = new Result[1];
        RunListener keepLast = new RunListener() {
            @Override
            public void finished(Result result) {
                last[0] = result;
            }
        };
        RunListener shown = ConsoleProgress.create(progress, quiet, err);
        try {
            // The saver hears each point before the progress line says it is done: an interrupt after that line
            // finds the point kept.
            return Benchmark.run(spec, backend, RunListener.all(saver, shown, keepLast));
        } catch (RuntimeException e) {
            if (last[0] != null && !last[0].points().isEmpty()) {
                reports.writePartial(last[0], out);
            }
            throw e;
        }
    }
}
