package dev.tokenmeter.result;

import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Roofline;
import dev.tokenmeter.scenario.TrialRecord;
import java.util.List;

/**
 * One measured point: its shape, the raw trials, and what was derived from them.
 *
 * @param warmupTrials trials run and discarded before these
 * @param trials       the measured trials, in order
 * @param cost         cost figures, or null when no price applies
 * @param precision    how precisely the headline metric was measured, and why trials stopped
 * @param warnings     anything a reader must know (a roofline violation, a point cut short by its budget)
 */
public record PointResult(int batch, int promptLength, int outputLength, int warmupTrials,
        List<TrialRecord> trials, PointMetrics metrics, Roofline roofline, CostMetrics cost, Precision precision,
        List<String> warnings) {
    public PointResult {
        trials = List.copyOf(trials);
        warnings = List.copyOf(warnings);
    }
}
