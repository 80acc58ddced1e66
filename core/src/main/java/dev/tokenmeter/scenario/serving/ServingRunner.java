package dev.tokenmeter.scenario.serving;

import dev.tokenmeter.endpoint.EndpointTarget;
import dev.tokenmeter.endpoint.ServerFacts;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.result.PointProgress;
import dev.tokenmeter.result.ScenarioRun;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.ContinuousBatcher;
import dev.tokenmeter.serving.EngineTarget;
import dev.tokenmeter.serving.SchedulingPolicy;
import dev.tokenmeter.serving.ServingLoop;
import dev.tokenmeter.serving.ServingTarget;
import dev.tokenmeter.serving.WarmUp;
import dev.tokenmeter.serving.load.ArrivalProcess;
import dev.tokenmeter.serving.load.ClosedLoop;
import dev.tokenmeter.serving.metrics.ProbedRate;
import dev.tokenmeter.serving.metrics.SloSearch;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs the serving scenario on its targets (the engine in this process, an endpoint, or both side by side):
 * requests arriving at a rate, in a closed loop or from a trace, one point per offered load and target, each
 * measured {@code repeat} times on the same workload; or the search for the highest rate that meets the SLOs, each
 * probe a point, searched on each target in turn. Side by side, every load is measured on the engine in this
 * process and then on the endpoint, so that host drift falls on both alike. A warm-up goes first on each target:
 * on the engine until its step time is steady ({@link WarmUp}), on a GPU ending with a ramp through every decode
 * batch size so that no CUDA graph is captured inside a point; on an endpoint, one round of the first point's
 * workload (its server's steps are not ours to watch).
 */
final class ServingRunner {
    /** Least time between two progress reports of a point, ns. */
    static final long PROGRESS_NANOS = 100_000_000L;

    private final ScenarioRun<ServingSpec, ServingPoint> run;
    private final ServingSpec spec;
    private final Engine engine;
    private final ContinuousBatcher.Config config;
    private final long seed;
    private final boolean sideBySide;
    private int index;
    /** The warm-up's report, until the first point takes it. */
    private WarmUp.Report warmup;

    private ServingRunner(ScenarioRun<ServingSpec, ServingPoint> run) {
        this.run = run;
        this.spec = run.scenario();
        this.engine = run.engine();
        this.config = engine == null ? null : new ContinuousBatcher.Config(spec.maxTokensPerStep(), engine.options());
        this.seed = run.spec().seed();
        this.sideBySide = spec.targets().size() > 1;
    }

    static void run(ScenarioRun<ServingSpec, ServingPoint> run) {
        ServingRunner runner = new ServingRunner(run);
        List<Target> targets = new ArrayList<>();
        try {
            for (TargetSpec t : runner.spec.targets()) {
                targets.add(new Target(t, runner.open(t)));
            }
            runner.measure(targets);
        } finally {
            for (Target t : targets) {
                t.target().close();
            }
        }
    }

    /** A target of the run, opened. */
    private record Target(TargetSpec spec, ServingTarget target) {
    }

    private ServingTarget open(TargetSpec t) {
        if (t instanceof TargetSpec.OfEndpoint e) {
            return EndpointTarget.open(e.endpoint(), run.spec().model());
        }
        return new EngineTarget(engine, config);
    }

    private void measure(List<Target> targets) {
        String prompt = spec.promptLength().describe();
        String output = spec.outputLength().describe();
        int n = targets.size();
        switch (spec.mode()) {
            case RATE -> {
                List<Double> rates = spec.rates();
                for (Target t : targets) {
                    warmUp(t, WarmUp.Round.open(s -> ArrivalProcess.gamma(rates.get(0), spec.burstiness())
                            .generate(spec.warmupRequests(), spec.promptLength(), spec.outputLength(), s)));
                }
                for (double r : rates) {
                    List<Arrival> a = ArrivalProcess.gamma(r, spec.burstiness()).generate(spec.requests(),
                            spec.promptLength(), spec.outputLength(), seed);
                    for (Target t : targets) {
                        String label = label("rate " + trim(r), t);
                        point(label, t, r, 0, prompt, output, rates.size() * n,
                                () -> t.target().openLoop(a, seed, maxNanos(), steps(label, a.size())));
                    }
                }
            }
            case CONCURRENCY -> {
                List<Integer> levels = spec.concurrencies();
                int first = levels.get(0);
                for (Target t : targets) {
                    // At least one request per sequence in flight, so that the round reaches the point's batch.
                    warmUp(t, WarmUp.Round.closed(first, s -> new ClosedLoop(first, Math.max(first,
                            spec.warmupRequests()), spec.promptLength(), spec.outputLength(), s).arrivals()));
                }
                for (int c : levels) {
                    List<Arrival> a = new ClosedLoop(c, spec.requests(), spec.promptLength(), spec.outputLength(),
                            seed).arrivals();
                    for (Target t : targets) {
                        String label = label("concurrency " + c, t);
                        point(label, t, Double.NaN, c, prompt, output, levels.size() * n,
                                () -> t.target().closedLoop(a, c, seed, maxNanos(), steps(label, a.size())));
                    }
                }
            }
            case TRACE -> {
                List<Arrival> traced = spec.scaledTrace();
                List<Arrival> opening = traced.subList(0, Math.min(traced.size(), spec.warmupRequests()));
                double rate = traced.size() / Math.max(1e-9, traced.get(traced.size() - 1).atSeconds());
                for (Target t : targets) {
                    warmUp(t, WarmUp.Round.open(s -> opening));
                }
                for (Target t : targets) {
                    String label = label("trace " + spec.trace(), t);
                    point(label, t, rate, 0, "trace", "trace", n,
                            () -> t.target().openLoop(traced, seed, maxNanos(), steps(label, traced.size())));
                }
            }
            case SEARCH -> {
                for (Target t : targets) {
                    // The search probes its lowest rate first.
                    warmUp(t, WarmUp.Round.open(s -> ArrivalProcess.poisson(spec.searchLow()).generate(
                            spec.warmupRequests(), spec.promptLength(), spec.outputLength(), s)));
                    search(t, prompt, output);
                }
            }
            default -> throw new AssertionError(spec.mode());
        }
    }

    /** The point's label: the load's, and side by side its target's ("rate 2.00 endpoint"). */
    private String label(String load, Target t) {
        return sideBySide ? load + " " + t.spec().label() : load;
    }

    /** Measures one point, {@code repeat} runs of it, and hands it to the run. */
    private ServingPoint point(String label, Target t, double rate, int concurrency, String prompt, String output,
            int total, Supplier<ServingLoop.Outcome> measure) {
        run.pointStarted(label, index, total);
        List<ServingLoop.Outcome> runs = new ArrayList<>();
        ServerFacts server = null;
        for (int i = 0; i < spec.repeat(); i++) {
            runs.add(measure.get());
            if (t.target() instanceof EndpointTarget e) {
                server = i == 0 ? e.lastRunFacts() : server;
                if (e.lastRunReconciled() > 0) {
                    run.warn(String.format(Locale.ROOT, "%s%s: %d requests' streamed chunks disagreed with the"
                            + " server's usage total; the total was kept, so their ITL per chunk is approximate",
                            label, spec.repeat() == 1 ? "" : " (run " + (i + 1) + ")", e.lastRunReconciled()));
                }
            }
        }
        ServingPoint p = ServingPoint.of(label, spec.mode(), rate, concurrency, prompt, output, runs, spec.slo(),
                run.price(), t.spec());
        if (server != null) {
            p = p.withServer(server);
        }
        if (warmup != null && t.spec() instanceof TargetSpec.InProcess) {
            p = p.withWarmup(warmup);
            warmup = null;
        }
        index++;
        run.pointFinished(p);
        return p;
    }

    /**
     * The search on one target, each probe a point, within the spec's tolerance and probe cap; its answer becomes a
     * run-level warning (one stopped early says its answer so far: {@link ServingScenario#partialWarnings}).
     */
    private void search(Target t, String prompt, String output) {
        SloSearch.Result found = new SloSearch(spec.searchTolerance(), spec.searchProbes()).between(r -> {
            String label = label("search " + trim(r), t);
            List<Arrival> a = ArrivalProcess.poisson(r).generate(spec.requests(), spec.promptLength(),
                    spec.outputLength(), seed);
            // The probe's verdict is the point's rule (SLOs met, load not overloaded), already judged.
            return ProbedRate.verdict(r, point(label, t, r, 0, prompt, output, 0,
                    () -> t.target().openLoop(a, seed, maxNanos(), steps(label, a.size()))).passes());
        }, spec.searchLow(), spec.searchHigh());
        run.warn((sideBySide ? t.spec().label() + ": " : "") + SearchAnswer.warning(spec.slo(), found));
    }

    private long maxNanos() {
        return nanos(spec.maxDurationSeconds());
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
     * Requests through the target before any of its points. On the engine in this process: rounds of the first
     * point's own workload, at least {@code warmupRequests} requests (JIT, allocation), more until the engine's step
     * time is steady, for {@code warmupMaxSeconds} at most ({@link WarmUp}); then, on a GPU,
     * {@link ServingLoop#batchSizeRamp} so that the engine meets every decode batch size up to {@code maxSequences}
     * once (the CUDA engine captures a graph per size) and no capture lands inside a measured point. The warm-up's
     * report goes with the first point; one that reached its time limit is a warning of the run. On an endpoint: one
     * round of the workload, its records dropped (connections opened, the server's first requests served).
     */
    private void warmUp(Target t, WarmUp.Round round) {
        if (spec.warmupRequests() == 0) {
            return;
        }
        if (t.spec() instanceof TargetSpec.OfEndpoint) {
            List<Arrival> arrivals = round.arrivals().apply(seed + 1);
            if (round.concurrency() > 0) {
                t.target().closedLoop(arrivals, round.concurrency(), seed + 1, maxNanos(), null);
            } else {
                t.target().openLoop(arrivals, seed + 1, maxNanos(), null);
            }
            return;
        }
        warmup = WarmUp.run(engine, config, ServingLoop.systemClock(), seed + 1, round, spec.warmupMaxSeconds());
        if (warmup.status() == WarmUp.Status.TIME_LIMIT) {
            run.warn("warm-up " + warmup.describe() + " (--warmup-max-duration gives it longer)");
        }
        if ("gpu".equals(run.device().kind())) {
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
