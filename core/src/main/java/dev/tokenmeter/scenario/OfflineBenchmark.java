package dev.tokenmeter.scenario;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.measure.TrialLoop;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Roofline;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.PointResult;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the offline scenario: for each point, warm-up trials, then measured trials while the policy wants more.
 * A trial is B requests arriving together: one prefill step of B prompt chunks, then one decode step per further
 * output token, each timed on the host (System.nanoTime) and on the device (the backend's own clock).
 */
public final class OfflineBenchmark {
    private OfflineBenchmark() {
    }

    /** Selects the spec's backend (or "auto"), opens it, runs, and closes it. */
    public static Result run(RunSpec spec, ProgressListener listener) {
        BackendProvider provider = Backends.select(spec.backend(), spec.model());
        try (Backend backend = provider.open(spec.threads())) {
            return run(spec, backend, listener);
        }
    }

    /** Runs on an opened backend, which stays open. */
    public static Result run(RunSpec spec, Backend backend, ProgressListener listener) {
        ModelConfig model = spec.model();
        OfflineSpec offline = spec.offline();
        EngineOptions options = new EngineOptions(spec.seed(), offline.maxBatch(), offline.maxContext());
        String started = Instant.now().toString();
        DeviceInfo device = backend.device();
        Price price = spec.price() != null ? spec.price() : PricePresets.forDevice(device);
        List<PointResult> points = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (price == null) {
            warnings.add("no price preset matches device '" + device.name() + "': cost figures left out");
        }
        List<OfflineSpec.Point> todo = offline.points();
        boolean complete = false;
        Result result = null;
        try (Engine engine = backend.load(model, options)) {
            for (int i = 0; i < todo.size(); i++) {
                OfflineSpec.Point p = todo.get(i);
                listener.pointStarted(p, i, todo.size());
                PointResult r = measurePoint(engine, device, spec.seed(), p, spec.measurement(), price, listener);
                points.add(r);
                listener.pointFinished(r, i, todo.size());
            }
            complete = true;
        } catch (RuntimeException | Error e) {
            warnings.add("the run failed: " + e);
            throw e;
        } finally {
            if (!complete) {
                warnings.add("the run stopped after " + points.size() + " of " + todo.size() + " points");
            }
            // Built on failure too, so that a listener can keep the points already measured.
            result = new Result(Result.SCHEMA_VERSION, Result.TOOL, "offline", started, Instant.now().toString(),
                    complete, spec, Environment.capture(device), points, List.of(), warnings);
            listener.runFinished(result);
        }
        return result;
    }

    private static PointResult measurePoint(Engine engine, DeviceInfo device, long seed, OfflineSpec.Point p,
            MeasurementPolicy policy, Price price, ProgressListener listener) {
        int[][] prompts = new int[p.batch()][];
        for (int r = 0; r < p.batch(); r++) {
            prompts[r] = SyntheticPrompts.prompt(seed, r, p.promptLength(), engine.model().vocab());
        }
        int warmups = 0;
        long warmupStart = System.nanoTime();
        while (policy.wantsMoreWarmup(warmups, (System.nanoTime() - warmupStart) / 1e9)) {
            runTrial(engine, prompts, p.outputLength());
            listener.warmupFinished(p, warmups);
            warmups++;
        }
        // The loop starts the budget's clock itself, so the warm-up above is not charged to it.
        List<TrialRecord> trials = new ArrayList<>();
        Precision precision = TrialLoop.withSystemClock(policy).run("output tok/s", () -> {
            TrialRecord t = runTrial(engine, prompts, p.outputLength());
            trials.add(t);
            listener.trialFinished(p, trials.size(), t);
            return t.outputTokensPerSecond(p.batch(), p.outputLength());
        }).precision();
        List<String> warnings = new ArrayList<>();
        if (!precision.reached()) {
            warnings.add(String.format(java.util.Locale.ROOT, "precision target not reached: %s known to %s at 95%%"
                    + " confidence (target ±%.2f%%) after %d trials; stopped by %s", precision.metric(),
                    Double.isNaN(precision.relativeCiHalfWidth()) ? "no interval (one trial)"
                            : String.format(java.util.Locale.ROOT, "±%.2f%%", 100 * precision.relativeCiHalfWidth()),
                    100 * precision.target(), trials.size(), precision.stoppedBy()));
        }
        PointMetrics metrics = PointMetrics.offline(p.batch(), p.promptLength(), p.outputLength(), trials);
        Roofline roofline = Roofline.offline(engine.model(), engine.kvBytesPerElement(), device, p.batch(),
                p.promptLength(), p.outputLength(), trials);
        if (roofline.violation() != null) {
            warnings.add("MEASUREMENT ERROR: " + roofline.violation()
                    + "; a result faster than the device's roofline cannot be right");
        }
        CostMetrics cost = price == null ? null : CostMetrics.of(price, metrics);
        return new PointResult(p.batch(), p.promptLength(), p.outputLength(), warmups, trials, metrics,
                roofline, cost, precision, warnings);
    }

    /** One trial: B prompts prefilled together, then decode steps until every request has its output. */
    static TrialRecord runTrial(Engine engine, int[][] prompts, int outputLength) {
        int batch = prompts.length;
        List<SequenceChunk> prefill = new ArrayList<>(batch);
        for (int r = 0; r < batch; r++) {
            prefill.add(new SequenceChunk(r, 0, prompts[r]));
        }
        long t0 = System.nanoTime();
        StepResult first = engine.step(StepBatch.of(prefill));
        long t1 = System.nanoTime();
        double prefillMs = (t1 - t0) / 1e6;
        double prefillDeviceMs = first.deviceNanos() / 1e6;
        double[] steps = new double[outputLength - 1];
        long decodeDeviceNanos = 0;
        int[] next = first.nextTokens();
        int promptLength = prompts[0].length;
        long last = t1;
        for (int i = 1; i < outputLength; i++) {
            List<SequenceChunk> chunks = new ArrayList<>(batch);
            for (int r = 0; r < batch; r++) {
                chunks.add(new SequenceChunk(r, promptLength + i - 1, new int[] {next[r]}));
            }
            StepResult s = engine.step(StepBatch.of(chunks));
            long now = System.nanoTime();
            steps[i - 1] = (now - last) / 1e6;
            last = now;
            decodeDeviceNanos += s.deviceNanos();
            next = s.nextTokens();
        }
        return new TrialRecord(prefillMs, steps, prefillDeviceMs, decodeDeviceNanos / 1e6);
    }
}
