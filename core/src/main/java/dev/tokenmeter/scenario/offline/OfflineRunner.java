package dev.tokenmeter.scenario.offline;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.measure.TrialLoop;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Roofline;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.result.PointProgress;
import dev.tokenmeter.result.ScenarioRun;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the offline scenario: for each point, warm-up trials, then measured trials while the policy wants more.
 * A trial is B requests arriving together: one prefill step of B prompt chunks, then one decode step per further
 * output token, each timed on the host (System.nanoTime) and on the device (the backend's own clock).
 */
final class OfflineRunner {
    /** How a point's note of a precision short of its target starts. */
    static final String IMPRECISION = "precision: ";

    private OfflineRunner() {
    }

    static void run(ScenarioRun<OfflineSpec, OfflinePoint> run) {
        List<OfflineSpec.Point> todo = run.scenario().points();
        for (int i = 0; i < todo.size(); i++) {
            OfflineSpec.Point p = todo.get(i);
            run.pointStarted(p.label(), i, todo.size());
            run.pointFinished(measurePoint(run, p));
        }
    }

    private static OfflinePoint measurePoint(ScenarioRun<OfflineSpec, OfflinePoint> run, OfflineSpec.Point p) {
        Engine engine = run.engine();
        DeviceInfo device = run.device();
        MeasurementPolicy policy = run.scenario().measurement();
        Price price = run.price();
        int[][] prompts = new int[p.batch()][];
        for (int r = 0; r < p.batch(); r++) {
            prompts[r] = SyntheticPrompts.prompt(run.spec().seed(), r, p.promptLength(), engine.model().vocab());
        }
        int warmups = 0;
        long warmupStart = System.nanoTime();
        while (policy.wantsMoreWarmup(warmups, (System.nanoTime() - warmupStart) / 1e9)) {
            runTrial(engine, prompts, p.outputLength());
            warmups++;
            run.progress(new PointProgress(p.label(), "warm-up " + warmups + (warmups <= policy.warmupTrials()
                    ? "/" + policy.warmupTrials() : ""), 0, true));
        }
        // The loop starts the budget's clock itself, so the warm-up above is not charged to it; nor is its energy.
        run.measuring();
        List<TrialRecord> trials = new ArrayList<>();
        long measureStart = System.nanoTime();
        double[] fraction = {0};
        Precision precision = TrialLoop.withSystemClock(policy).run("output tok/s", () -> {
            TrialRecord t = runTrial(engine, prompts, p.outputLength());
            trials.add(t);
            fraction[0] = Math.max(fraction[0], fraction(policy, trials.size(),
                    (System.nanoTime() - measureStart) / 1e9));
            run.progress(new PointProgress(p.label(), trialStatus(policy, trials, p), fraction[0], true));
            return t.outputTokensPerSecond(p.batch(), p.outputLength());
        }).precision();
        List<String> warnings = new ArrayList<>();
        if (!precision.reached()) {
            warnings.add(imprecision(precision, trials.size(), policy));
        }
        PointMetrics metrics = PointMetrics.offline(p.batch(), p.promptLength(), p.outputLength(), trials);
        Roofline roofline = Roofline.offline(engine.model(), engine.kvBytesPerElement(), device, p.batch(),
                p.promptLength(), p.outputLength(), trials);
        if (roofline.violation() != null) {
            warnings.add("MEASUREMENT ERROR: " + roofline.violation()
                    + "; a result faster than the device's roofline cannot be right");
        }
        CostMetrics cost = price == null ? null : CostMetrics.of(price, metrics);
        return new OfflinePoint(p.batch(), p.promptLength(), p.outputLength(), warmups, trials, metrics,
                roofline, cost, precision, warnings);
    }

    /**
     * What a point that stopped short of its precision target reached, said plainly: "precision: output tok/s known
     * to ±6.32% at 95% confidence after 15 trials, short of the ±1% target because the 10 s budget ran out first; a
     * longer budget or more trials narrow it, a busy host widens it". Reports show it as a note.
     */
    static String imprecision(Precision precision, int trials, MeasurementPolicy policy) {
        String reached = Double.isNaN(precision.relativeCiHalfWidth()) ? "no interval (one trial)"
                : "±" + percent(precision.relativeCiHalfWidth()) + " at 95% confidence";
        String why = switch (precision.stoppedBy()) {
            case "budget" -> "the " + OfflineScenario.plain(policy.budgetSeconds()) + " s budget ran out first";
            case "max-trials" -> "the limit of " + policy.maxTrials() + " trials came first";
            default -> "trials stopped by " + precision.stoppedBy();
        };
        return String.format(Locale.ROOT, "%s%s known to %s after %d trial%s, short of the ±%s target because %s;"
                + " a longer budget or more trials narrow it, a busy host widens it", IMPRECISION, precision.metric(),
                reached, trials, trials == 1 ? "" : "s", percent(precision.target()), why);
    }

    /** Whether a point's warning is its precision short of the target: this version's note, or an older file's. */
    static boolean isImprecision(String warning) {
        return warning.startsWith(IMPRECISION) || warning.startsWith("precision target not reached");
    }

    /** "trial 7 ±2.1% (target ±1%)": the trials so far and the precision they pin the headline metric down to. */
    private static String trialStatus(MeasurementPolicy policy, List<TrialRecord> trials, OfflineSpec.Point p) {
        String status = "trial " + trials.size();
        if (trials.size() < 2) {
            return status;
        }
        double[] headline = new double[trials.size()];
        for (int i = 0; i < headline.length; i++) {
            headline[i] = trials.get(i).outputTokensPerSecond(p.batch(), p.outputLength());
        }
        double rel = Summary.of(headline).relativeCiHalfWidth();
        return Double.isFinite(rel) ? status + " ±" + percent(rel) + " (target ±"
                + percent(policy.targetRelativeCi()) + ")" : status;
    }

    /**
     * How far the point has got, in [0, 1]: it ends at maxTrials or when the budget is spent, whichever comes
     * first (earlier if the precision is reached), and never before minTrials.
     */
    static double fraction(MeasurementPolicy policy, int trialsDone, double elapsedSeconds) {
        double byTrials = (double) trialsDone / policy.maxTrials();
        double byTime = policy.budgetSeconds() > 0 ? elapsedSeconds / policy.budgetSeconds() : 1;
        double f = Math.min(1, Math.max(byTrials, byTime));
        if (trialsDone < policy.minTrials()) {
            f = Math.min(f, (double) trialsDone / policy.minTrials());
        }
        return f;
    }

    /** A fraction as a percentage with at most two decimals and no trailing zeros: 0.01 is "1%", 0.0123 "1.23%". */
    static String percent(double fraction) {
        String s = String.format(Locale.ROOT, "%.2f", 100 * fraction);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s + "%";
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
