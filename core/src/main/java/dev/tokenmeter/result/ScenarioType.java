package dev.tokenmeter.result;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.engine.EngineOptions;
import java.util.List;

/**
 * Everything a scenario supplies to the rest of tokenmeter, so that the runner, the renderers (console, CSV,
 * Markdown, HTML, JSON) and {@code compare} are written once for every scenario: how its points are measured on an
 * engine, its table and charts, its notices, and its metric vocabulary with the significance rule that goes with
 * it. A scenario's spec returns its type ({@link ScenarioSpec#type()}).
 *
 * @param <S> the scenario's spec
 * @param <P> the scenario's point
 */
public interface ScenarioType<S extends ScenarioSpec, P extends ScenarioPoint> {
    /** The scenario's name: "offline", "serving"; its {@code "kind"} in JSON. */
    String name();

    Class<S> specType();

    Class<P> pointType();

    // ---- running ----

    /** The spec with its automatic values made concrete for {@code device} (a step budget that suits a CPU). */
    default S resolve(S spec, DeviceInfo device) {
        return spec;
    }

    /**
     * Where the spec runs when it needs no backend of this host, such as a serving run whose every request goes to
     * an endpoint; null (the default) for the backend the run spec names.
     */
    default Backend ownBackend(S spec) {
        return null;
    }

    /** {@link #ownBackend} of any run spec's scenario. */
    static Backend ownBackendOf(RunSpec spec) {
        return own(spec.scenario().type(), spec.scenario());
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> Backend own(ScenarioType<S, P> type,
            ScenarioSpec spec) {
        return type.ownBackend(type.specType().cast(spec));
    }

    /** The engine the spec needs: sequences at once, context, KV-cache layout. */
    EngineOptions engineOptions(long seed, S spec);

    /** Measures every point on {@code run}'s engine, handing each to it as it is done. */
    void run(ScenarioRun<S, P> run);

    /** A finished point in one line, for progress logs: "12 trials, 345.6 output tok/s (median)". */
    String summary(P point);

    /**
     * The point's output tokens per second, the median over its trials or runs: what the device's energy per output
     * token is taken at (mean power / this). NaN where the point has none.
     */
    double outputTokensPerSecond(P point);

    /** The point's requests per second, the median over its trials or runs (energy per query: power / this). */
    double requestsPerSecond(P point);

    /**
     * Whether the point's work ran on the run's device, so that the device's energy during the point is the point's:
     * true (the default) but for work sent elsewhere, such as a serving point on an endpoint's server.
     */
    default boolean ranOnDevice(P point) {
        return true;
    }

    /**
     * How long the run of {@code spec} will take, said before it starts, with what the bounds rest on ("25 s to 1.5
     * min: 5 points, each ..."); null where nothing can be said ahead. Only the spec is known then, not the engine's
     * speed: the bounds come from the spec's own limits (time budgets, arrival rates, caps).
     */
    default String estimate(S spec) {
        return null;
    }

    /**
     * What a run of {@code spec} that stopped before its end can still say from the points it measured, as run
     * warnings: a search's answer so far. Empty for nothing; the runner adds them to a result it ends early, and a
     * listener that keeps a run's points on an interrupt adds them to what it keeps.
     */
    default List<String> partialWarnings(S spec, List<P> points) {
        return List.of();
    }

    /** {@link #partialWarnings} of any run: its spec's scenario, and its points. */
    static List<String> partialWarningsOf(RunSpec spec, List<? extends ScenarioPoint> points) {
        return partial(spec.scenario().type(), spec.scenario(), points);
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> List<String> partial(ScenarioType<S, P> type,
            ScenarioSpec spec, List<? extends ScenarioPoint> points) {
        return type.partialWarnings(type.specType().cast(spec), points.stream().map(type.pointType()::cast).toList());
    }

    // ---- reporting ----

    /** The points' table in reports, the CSV's columns, and what names a point in a comparison. */
    Tables<P> tables();

    /** Lines this scenario adds to a report's header (the trial policy, the SLOs). */
    List<Detail> details(S spec);

    /** Lines under the points' table in every report (what a mark in a cell means); empty for none. */
    List<String> footnotes(List<P> points);

    /** The sentence under the HTML table that says how to read its figures. */
    String legend();

    /** The charts of the HTML report. */
    List<Figure> figures(Result result);

    /** What a reader must know of one point (a measurement error, an overload), in order. */
    List<Notice> notices(P point);

    /** What a reader must know of the points together, after every point's own notices. */
    default List<Notice> notices(List<P> points) {
        return List.of();
    }

    /**
     * {@link #notices(List)} where what the scenario says of its points together depends on its spec (a fleet's
     * plan percentile); by default the spec is not needed.
     */
    default List<Notice> notices(S spec, List<P> points) {
        return notices(points);
    }

    /**
     * What a reader must know of the figures this scenario derives from the device's ceilings (a utilization
     * resting on a ceiling whose repetitions spread widely), after the points' notices; empty for none, as for a
     * scenario that derives no figure from them.
     */
    default List<Notice> ceilingNotices(DeviceInfo device, List<P> points) {
        return List.of();
    }

    // ---- comparing ----

    /** The metrics {@code compare} sets side by side, in table order. */
    List<Metric<P>> metrics();

    /** Whether {@code metric} of two points means the same thing on both (goodput under the same SLOs only). */
    default boolean comparable(Metric<P> metric, P baseline, P candidate) {
        return true;
    }

    /**
     * How {@code compare} tests the metrics of a result of this spec: as trials where its points hold a sample
     * each (offline trials, repeated serving runs), untested where each point is one run.
     */
    Significance significance(S spec);

    /** The spec fields beyond model, backend and device that two results must share to be compared. */
    default List<SetupField> setup() {
        return List.of();
    }

    /**
     * Whether the spec fixes the points a run measures (a sweep's), so that a point one result has and another of
     * the same setup lacks is missing; false where the run chooses its points as it goes (a search's probes).
     */
    default boolean fixesPoints(S spec) {
        return true;
    }

    /** The point's pass or fail, or null where this scenario's points have none. */
    default Judgement judge(P point) {
        return null;
    }

    /** Figures of the whole run that a comparison sets side by side (a search's answer); empty for none. */
    default List<RunFigure> runFigures(List<P> points) {
        return List.of();
    }
}
