package dev.tokenmeter.scenario.serving;

import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.result.PointProgress;
import dev.tokenmeter.result.ScenarioRun;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.ContinuousBatcher;
import dev.tokenmeter.serving.SchedulingPolicy;
import dev.tokenmeter.serving.ServingLoop;
import dev.tokenmeter.serving.load.ArrivalProcess;
import dev.tokenmeter.serving.load.ClosedLoop;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.ProbedRate;
import dev.tokenmeter.serving.metrics.SloSearch;
import java.util.List;
import java.util.Locale;

/**
 * Runs the serving scenario on an engine: requests arriving at a rate, in a closed loop or from a trace, served by
 * continuous batching over a paged KV cache, one point per offered load; or the search for the highest rate that
 * meets the SLOs, each probe a point. A warm-up goes first; on a GPU it ends with a ramp through every decode batch
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
                warmUp(spec.promptLength(), spec.outputLength(), gpu);
                List<Double> rates = spec.rates();
                for (double r : rates) {
                    String label = "rate " + trim(r);
                    List<Arrival> a = ArrivalProcess.gamma(r, spec.burstiness()).generate(spec.requests(),
                            spec.promptLength(), spec.outputLength(), seed);
                    point(label, r, 0, prompt, output, rates.size(), () -> openLoop(a, label));
                }
            }
            case CONCURRENCY -> {
                warmUp(spec.promptLength(), spec.outputLength(), gpu);
                List<Integer> levels = spec.concurrencies();
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
                Arrival first = traced.get(0);
                warmUp(LengthDistribution.fixed(first.promptLength()), LengthDistribution.fixed(first.outputLength()),
                        gpu);
                String label = "trace " + spec.trace();
                double rate = traced.size() / Math.max(1e-9, traced.get(traced.size() - 1).atSeconds());
                point(label, rate, 0, "trace", "trace", 1, () -> openLoop(traced, label));
            }
            case SEARCH -> {
                warmUp(spec.promptLength(), spec.outputLength(), gpu);
                search(prompt, output);
            }
            default -> throw new AssertionError(spec.mode());
        }
    }

    /** Measures one point and hands it to the run. */
    private ServingPoint point(String label, double rate, int concurrency, String prompt, String output, int total,
            java.util.function.Supplier<ServingLoop.Outcome> measure) {
        run.pointStarted(label, index, total);
        ServingPoint p = ServingPoint.of(label, spec.mode(), rate, concurrency, prompt, output, measure.get(),
                spec.slo(), run.price());
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
     * Requests through the same engine before any point: {@code warmupRequests} of the workload's lengths (JIT,
     * allocation), then, where {@code ramp} (a GPU), {@link ServingLoop#batchSizeRamp} so that the engine meets
     * every decode batch size up to {@code maxSequences} once (the CUDA engine captures a graph per size) and no
     * capture lands inside a measured point.
     */
    private void warmUp(LengthDistribution prompts, LengthDistribution outputs, boolean ramp) {
        int requests = spec.warmupRequests();
        if (requests == 0) {
            return;
        }
        int inFlight = Math.min(requests, spec.maxSequences());
        List<Arrival> a = new ClosedLoop(inFlight, requests, prompts, outputs, seed + 1).arrivals();
        ServingLoop.closedLoop(engine, a, inFlight, config, SchedulingPolicy.FIRST_COME_FIRST_SERVED,
                ServingLoop.systemClock(), seed + 1, Long.MAX_VALUE, null);
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
