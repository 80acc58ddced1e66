package dev.tokenmeter.result;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/**
 * The immutable outcome of a run of any scenario: what was asked, where it ran, and every point measured, in run
 * order. Renderers turn it into tables and files; nothing here is computed at render time.
 *
 * @param schemaVersion version of this structure in JSON ({@link #SCHEMA_VERSION})
 * @param tool          always {@value #TOOL}
 * @param startedAt     ISO-8601 instant
 * @param finishedAt    ISO-8601 instant
 * @param complete      false when the run stopped before all its points were measured
 * @param spec          what was asked, with every automatic value made concrete (the price used, the step budget)
 * @param environment   the device, host and software it ran on
 * @param points        the points measured, all of the spec's scenario
 * @param warnings      run-level warnings (each point's own are in the point); null for none
 */
@JsonPropertyOrder({"schemaVersion", "tool", "scenario", "startedAt", "finishedAt", "complete", "spec",
    "environment", "points", "warnings"})
public record Result(int schemaVersion, String tool, String startedAt, String finishedAt, boolean complete,
        RunSpec spec, Environment environment, List<ScenarioPoint> points, List<String> warnings) {
    public static final int SCHEMA_VERSION = 2;
    public static final String TOOL = "tokenmeter";

    public Result {
        Objects.requireNonNull(spec, "spec");
        points = List.copyOf(Objects.requireNonNull(points, "points"));
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        ScenarioType<?, ?> type = spec.scenario().type();
        for (ScenarioPoint p : points) {
            if (!type.pointType().isInstance(p)) {
                throw new IllegalArgumentException("a " + type.name() + " result holds " + type.name()
                        + " points only, got " + p.getClass().getSimpleName());
            }
        }
    }

    /** A result of this run, written by this version of tokenmeter. */
    public static Result of(String startedAt, String finishedAt, boolean complete, RunSpec spec,
            Environment environment, List<? extends ScenarioPoint> points, List<String> warnings) {
        return new Result(SCHEMA_VERSION, TOOL, startedAt, finishedAt, complete, spec, environment,
                List.copyOf(points), warnings);
    }

    /** The scenario's type, which knows its points. */
    public ScenarioType<?, ?> type() {
        return spec.scenario().type();
    }

    /** The scenario's name ("offline", "serving"); in JSON beside the schema version, for readers of the file. */
    @JsonProperty("scenario")
    public String scenario() {
        return type().name();
    }

    /** The points as their scenario's own type. */
    public <P extends ScenarioPoint> List<P> points(Class<P> type) {
        if (!type.isAssignableFrom(spec.scenario().type().pointType())) {
            throw new IllegalArgumentException("this is a " + scenario() + " result; its points are not "
                    + type.getSimpleName());
        }
        return points.stream().map(type::cast).toList();
    }

    /** This result with {@code more} run-level warnings. */
    public Result withWarnings(List<String> more) {
        List<String> all = new java.util.ArrayList<>(warnings);
        all.addAll(more);
        return new Result(schemaVersion, tool, startedAt, finishedAt, complete, spec, environment, points, all);
    }
}
