package dev.tokenmeter.result;

import java.util.List;

/**
 * The immutable outcome of a run: what was asked, where it ran, and every point measured. Renderers turn it into
 * tables and files; nothing here is computed at render time.
 *
 * @param schemaVersion version of this structure in JSON ({@link #SCHEMA_VERSION})
 * @param scenario      "offline"
 * @param startedAt     ISO-8601 instant
 * @param finishedAt    ISO-8601 instant
 * @param complete      false when the run stopped before all points were measured
 * @param warnings      run-level warnings (each point also carries its own)
 */
public record Result(int schemaVersion, String tool, String scenario, String startedAt, String finishedAt,
        boolean complete, RunSpec spec, Environment environment, List<PointResult> points, List<String> warnings) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TOOL = "tokenmeter";

    public Result {
        points = List.copyOf(points);
        warnings = List.copyOf(warnings);
    }
}
