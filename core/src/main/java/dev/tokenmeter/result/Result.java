package dev.tokenmeter.result;

import java.util.List;

/**
 * The immutable outcome of a run: what was asked, where it ran, and every point measured. Renderers turn it into
 * tables and files; nothing here is computed at render time.
 *
 * @param schemaVersion version of this structure in JSON ({@link #SCHEMA_VERSION})
 * @param scenario      {@value #OFFLINE} or {@value #SERVING}
 * @param startedAt     ISO-8601 instant
 * @param finishedAt    ISO-8601 instant
 * @param complete      false when the run stopped before all points were measured
 * @param points        the offline scenario's points; empty for a serving run
 * @param servingPoints the serving scenario's points, in run order; empty for an offline run (and when read from a
 *                      file written before the field existed: null is taken as empty)
 * @param warnings      run-level warnings (each point also carries its own)
 */
public record Result(int schemaVersion, String tool, String scenario, String startedAt, String finishedAt,
        boolean complete, RunSpec spec, Environment environment, List<PointResult> points,
        List<ServingPointResult> servingPoints, List<String> warnings) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TOOL = "tokenmeter";
    /** The scenario of {@code tokenmeter run}: static batches. */
    public static final String OFFLINE = "offline";
    /** The scenario of {@code tokenmeter serve}: requests arriving over time, continuous batching. */
    public static final String SERVING = "serving";

    public Result {
        points = List.copyOf(points);
        servingPoints = servingPoints == null ? List.of() : List.copyOf(servingPoints);
        warnings = List.copyOf(warnings);
    }
}
