package dev.tokenmeter.scenario.serving;

import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.result.PointProgress;
import dev.tokenmeter.result.ScenarioRun;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.ContinuousBatcher;
import dev.tokenmeter.serving.SchedulingPolicy;
import dev.tokenmeter.serving.ServingLoop;
import dev.tokenmeter.serving.WarmUp;
import dev.tokenmeter.serving.load.ArrivalProcess;
import dev.tokenmeter.serving.load.ClosedLoop;
import dev.tokenmeter.serving.metrics.ProbedRate;
import dev.tokenmeter.serving.metrics.SloSearch;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the serving scenario on an engine: requests arriving at a rate, in a closed loop or from a trace, served by
 * continuous batching over a paged KV cache, one point per offered load, each measured {@code repeat} times on the
 * same workload; or the search for the highest rate that meets the SLOs, each probe a point. A warm-up goes first,
 * until the engine's step time is steady ({@link WarmUp}); on a GPU it ends with a ramp through every decode batch
 * size, so that no CUDA graph is captured inside a point.
 */
final class ServingRunner {
    /** Least time between two progress reports of a point, ns. */
    static final long PROGRESS_NANOS = 100_000_000L;

    private final ScenarioRun<ServingSpec, ServingPoint> run;
    private final ServingSpec spec;
    private final Engine engine;
    private final ContinuousBatcher.Config config;
    private final long seed;
    private int index;
    /** The warm-up's report, until the first point takes it. */
    private WarmUp.Report warmup;

    private ServingRunner(ScenarioRun<ServingSpec, ServingPoint> run) {
        this.run = run;
        this.spec = run.scenario();
        this.engine = run.engine();
        this.config = new ContinuousBatcher.Config(spec.maxTokensPerStep(), engine.options());
        this.seed = run.spec().seed();
    }

    static void run(ScenarioRun<ServingSpec, ServingPoint> run) {
        new ServingRunner(run).measure();
    }

    private void measure() {
        boolean gpu = "gpu".equals(run.device().kind());
        String prompt = spec.promptLength().describe();
        String output = spec.outputLength().describe();
        switch (spec.mode()) {
            case RATE -> {
                List<Double> rates = spec.rates();
                warmUp(WarmUp.Round.open(s -> ArrivalProcess.gamma(rates.get(0), spec.burstiness())
                        .generate(spec.warmupRequests(), spec.promptLength(), spec.outputLength(), s)), gpu);
                for (double r : rates) {
                    String label = "rate " + trim(r);
                    List<Arrival> a = ArrivalProcess.gamma(r, spec.burstiness()).generate(spec.requests(),
                            spec.promptLength(), spec.outputLength(), seed);
                    point(label, r, 0, prompt, output, rates.size(), () -> openLoop(a, label));
                }
            }
            case CONCURRENCY -> {
                List<Integer> levels = spec.concurrencies();
                int first = levels.get(0);
                // At least one request per sequence in flight, so that the round reaches the point's batch.
                warmUp(WarmUp.Round.closed(first, s -> new ClosedLoop(first, Math.max(first, spec.warmupRequests()),
                        spec.promptLength(), spec.outputLength(), s).arrivals()), gpu);
                for (int c : levels) {
                    String label = "concurrency " + c;
                    List<Arrival> a = new ClosedLoop(c, spec.requests(), spec.promptLength(), spec.outputLength(),
                            seed).arrivals();
                    point(label, Double.NaN, c, prompt, output, levels.size(), () -> ServingLoop.closedLoop(engine,
                            a, c, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED, ServingLoop.systemClock(), seed,
                            nanos(spec.maxDurationSeconds()), steps(label, a.size())));
                }
            }
            case TRACE -> {
                List<Arrival> traced = spec.scaledTrace();
                List<Arrival> opening = traced.subList(0, Math.min(traced.size(), spec.warmupRequests()));
                warmUp(WarmUp.Round.open(s -> opening), gpu);
                String label = "trace " + spec.trace();
                double rate = traced.size() / Math.max(1e-9, traced.get(traced.size() - 1).atSeconds());
                point(label, rate, 0, "trace", "trace", 1, () -> openLoop(traced, label));
            }
            case SEARCH -> {
                // The search probes its lowest rate first.
                warmUp(WarmUp.Round.open(s -> ArrivalProcess.poisson(spec.searchLow()).generate(
                        spec.warmupRequests(), spec.promptLength(), spec.outputLength(), s)), gpu);
                search(prompt, output);
            }
            default -> throw new AssertionError(spec.mode());
        }
    }

    /** Measures one point, {@code repeat} runs of it, and hands it to the run. */
    private ServingPoint point(String label, double rate, int concurrency, String prompt, String output, int total,
            java.util.function.Supplier<ServingLoop.Outcome> measure) {
        run.pointStarted(label, index, total);
        List<ServingLoop.Outcome> runs = new ArrayList<>();
        for (int i = 0; i < spec.repeat(); i++) {
            runs.add(measure.get());
        }
        ServingPoint p = ServingPoint.of(label, spec.mode(), rate, concurrency, prompt, output, runs, spec.slo(),
                run.price());
        if (warmup != null) {
            p = p.withWarmup(warmup);
            warmup = null;
        }
        index++;
        run.pointFinished(p);
        return p;
    }

    /**
     * The search, each probe a point, within the spec's tolerance and probe cap; its answer becomes a run-level
     * warning (one stopped early says its answer so far: {@link ServingScenario#partialWarnings}).
     */
    private void search(String prompt, String output) {
        SloSearch.Result found = new SloSearch(spec.searchTolerance(), spec.searchProbes()).between(r -> {
            String label = "search " + trim(r);
            List<Arrival> a = ArrivalProcess.poisson(r).generate(spec.requests(), spec.promptLength(),
                    spec.outputLength(), seed);
            // The probe's verdict is the point's rule (SLOs met, load not overloaded), already judged.
            return ProbedRate.verdict(r, point(label, r, 0, prompt, output, 0, () -> openLoop(a, label)).passes());
        }, spec.searchLow(), spec.searchHigh());
        run.warn(SearchAnswer.warning(spec.slo(), found));
    }

    private ServingLoop.Outcome openLoop(List<Arrival> arrivals, String label) {
        return ServingLoop.openLoop(engine, arrivals, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED,
                ServingLoop.systemClock(), seed, nanos(spec.maxDurationSeconds()), steps(label, arrivals.size()));
    }

    /**
     * Progress at most every {@value #PROGRESS_NANOS} ns of the point's clock (a step can take microseconds: no
     * formatting on every one): the requests done, and how far the point has got.
     */
    private ServingLoop.StepListener steps(String label, int total) {
        long[] next = {0};
        return (steps, finished, all, now) -> {
            if (now >= next[0]) {
                next[0] = now + PROGRESS_NANOS;
                run.progress(new PointProgress(label, String.format(Locale.ROOT, "%d/%d requests, %d steps",
                        finished, all, steps), (double) finished / Math.max(1, total), false));
            }
        };
    }

    /**
     * Requests through the same engine before any point: rounds of the first point's own workload, at least
     * {@code warmupRequests} requests (JIT, allocation), more until the engine's step time is steady, for
     * {@code warmupMaxSeconds} at most ({@link WarmUp}); then, where {@code ramp} (a GPU),
     * {@link ServingLoop#batchSizeRamp} so that the engine meets every decode batch size up to
     * {@code maxSequences} once (the CUDA engine captures a graph per size) and no capture lands inside a measured
     * point. The warm-up's report goes with the first point; one that reached its time limit is a warning of the
     * run.
     */
    private void warmUp(WarmUp.Round round, boolean ramp) {
        if (spec.warmupRequests() == 0) {
            return;
        }
        warmup = WarmUp.run(engine, config, ServingLoop.systemClock(), seed + 1, round, spec.warmupMaxSeconds());
        if (warmup.status() == WarmUp.Status.TIME_LIMIT) {
            run.warn("warm-up " + warmup.describe() + " (--warmup-max-duration gives it longer)");
        }
        if (ramp) {
            ServingLoop.closedLoop(engine, ServingLoop.batchSizeRamp(spec.maxSequences(),
                    engine.options().maxContext()), spec.maxSequences(), config,
                    SchedulingPolicy.FIRST_COME_FIRST_SERVED, ServingLoop.systemClock(), seed + 2, Long.MAX_VALUE,
                    null);
        }
    }

    private static long nanos(double seconds) {
        return (long) Math.min(Long.MAX_VALUE / 2.0, seconds * 1e9);
    }

    /** A rate as labels show it: three significant digits ("2.00", "0.500"), "none" for NaN. */
    static String trim(double v) {
        return Double.isNaN(v) ? "none" : String.format(Locale.ROOT, "%.3g", v);
    }
}
