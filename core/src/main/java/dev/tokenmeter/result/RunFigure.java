package dev.tokenmeter.result;

/**
 * A figure of a whole run, not of one point, that a comparison shows side by side (an SLO search's answer).
 *
 * @param label  "SLO search: highest rate that passed"
 * @param unit   "req/s"
 * @param value  the figure; NaN where the run has none (no rate passed)
 */
public record RunFigure(String label, String unit, double value) {
}
